package dev.jvmllm.http.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the server listens and what it bounds, for {@link HelidonTransport}.
 *
 * @param host the address to bind: a name or an IP address
 * @param port the port to bind; 0 for a free one
 * @param maxConnections the connections open at once; one more is closed as soon as it is accepted
 * @param requestTimeout how long a request may take to arrive, head and body, from its first byte
 * @param idleTimeout how long a keep-alive connection may wait for its next request
 * @param maxStreamsPerConnection the HTTP/2 streams one connection may have open at once
 * @param tls the certificate and key to serve HTTPS with; empty for plain HTTP
 * @param corsOrigins the origins whose browser scripts may call the API; empty for none
 */
public record TransportSettings(String host, int port, int maxConnections, Duration requestTimeout,
                                Duration idleTimeout, int maxStreamsPerConnection, Optional<TlsSource> tls,
                                List<String> corsOrigins) {
    public TransportSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(tls, "tls");
        corsOrigins = List.copyOf(corsOrigins);
    }

    /** Where the server's certificate and private key come from. */
    public sealed interface TlsSource {
        /** PEM files: the certificate chain (the server's first) and its private key (PKCS#8 or PKCS#1). */
        record Pem(Path certificateChain, Path privateKey) implements TlsSource {
            public Pem {
                Objects.requireNonNull(certificateChain, "certificateChain");
                Objects.requireNonNull(privateKey, "privateKey");
            }

            @Override
            public String toString() {
                return "certificate chain " + certificateChain + " and key " + privateKey;
            }
        }

        /** A PKCS#12 or JKS keystore holding one private key and its chain, and its password. */
        record Keystore(Path file, char[] password) implements TlsSource {
            public Keystore {
                Objects.requireNonNull(file, "file");
                password = password.clone();
            }

            @Override
            public String toString() {
                return "keystore " + file; // never the password
            }
        }
    }
}
