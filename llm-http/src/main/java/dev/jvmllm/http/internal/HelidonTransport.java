package dev.jvmllm.http.internal;

import com.sun.net.httpserver.HttpHandler;
import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;
import io.helidon.common.socket.SocketOptions;
import io.helidon.common.tls.Tls;
import io.helidon.http.Method;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.cors.CorsFeature;
import io.helidon.webserver.cors.CorsPathConfig;
import io.helidon.webserver.ProtocolConfigs;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionProvider;
import io.helidon.webserver.http2.Http2Config;
import io.helidon.webserver.http2.Http2ConnectionProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The transport under {@link dev.jvmllm.http.LlmServer}: Helidon SE's WebServer, HTTP/1.1 and
 * HTTP/2 (by upgrade from HTTP/1.1, by prior knowledge, and by ALPN over TLS), a virtual thread per
 * connection (per stream on HTTP/2), every path and method to the one {@link HttpHandler}.
 *
 * <p>What it bounds, beyond Helidon's defaults (request line 2 KiB, headers 16 KiB): the
 * connections open at once (one more is answered 503 and closed; Helidon's own cap would leave it
 * waiting in the accept queue), the time a request takes to arrive
 * ({@link ConnectionWatch}), the time a keep-alive connection waits for its next request (also each
 * read's timeout), and HTTP/2 streams per connection. The body's size is the handler's to bound:
 * an oversized body is answered 413 in the API's error shape, not Helidon's.
 */
public final class HelidonTransport implements AutoCloseable {
    /** How long Helidon itself waits for connections when it stops; the server drained them before. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(1);
    private static final String DEFAULT_SOCKET = WebServer.DEFAULT_SOCKET_NAME;

    private final WebServer server;
    private final ConnectionWatch watch;
    private final InetSocketAddress address;

    private HelidonTransport(WebServer server, ConnectionWatch watch, InetSocketAddress address) {
        this.server = server;
        this.watch = watch;
        this.address = address;
    }

    /**
     * Binds the address and starts serving.
     *
     * @throws UncheckedIOException if the address cannot be bound
     * @throws IllegalArgumentException if the TLS files cannot be read or hold no usable key
     */
    public static HelidonTransport start(TransportSettings settings, HttpHandler handler) {
        InetAddress address;
        try {
            address = InetAddress.getByName(settings.host());
        } catch (UnknownHostException e) {
            throw new UncheckedIOException("unknown host", e);
        }
        Tls tls = settings.tls().map(HelidonTransport::tls).orElse(null);
        ConnectionWatch watch = new ConnectionWatch(settings.maxConnections(), settings.requestTimeout(), settings.idleTimeout());
        Http1Config http1 = Http1Config.builder().addReceiveListener(watch.receiveListener())
                .addSendListener(watch.sendListener()).build();
        Http2Config http2 = Http2Config.builder().maxConcurrentStreams(settings.maxStreamsPerConnection()).build();
        ProtocolConfigs protocols = ProtocolConfigs.create(List.of(http1, http2));
        WebServerConfig.Builder config = WebServer.builder()
                .address(address)
                .port(settings.port())
                .idleConnectionTimeout(settings.idleTimeout())
                .idleConnectionPeriod(checkPeriod(settings.idleTimeout()))
                .connectionOptions(SocketOptions.builder().readTimeout(settings.idleTimeout()).tcpNoDelay(true).build())
                .shutdownGracePeriod(STOP_WAIT)
                // the protocols' own selectors, each counted by the watch: Helidon's cap would queue the excess
                .protocolsDiscoverServices(false)
                .addConnectionSelector(watch.counting(new Http1ConnectionProvider().create(DEFAULT_SOCKET, http1, protocols), true))
                .addConnectionSelector(watch.counting(new Http2ConnectionProvider().create(DEFAULT_SOCKET, http2, protocols), false))
                .routing(routing -> {
                    if (!settings.corsOrigins().isEmpty()) {
                        // a preflight is the CORS filter's to answer: it has decorated the response already
                        routing.options((request, response) -> response.status(200).send());
                    }
                    routing.any((request, response) -> handler.handle(new HelidonExchange(request, response)));
                });
        if (tls != null) {
            config.tls(tls);
        }
        if (!settings.corsOrigins().isEmpty()) {
            config.addFeature(CorsFeature.builder()
                    .addDefaults(false)
                    .addPath(CorsPathConfig.builder()
                            .pathPattern("/*")
                            .allowOrigins(Set.copyOf(settings.corsOrigins()))
                            .allowMethods(Set.of(Method.GET.text(), Method.POST.text()))
                            // any header: access is the API key's to grant (Helidon compares names case-sensitively)
                            .allowHeaders(Set.of("*"))
                            .build())
                    .build());
        }
        WebServer server;
        try {
            server = config.build().start();
        } catch (RuntimeException e) {
            watch.close();
            throw e;
        }
        if (server.port() < 0) {
            // Helidon logs a listener that could not bind and starts without it
            server.stop();
            watch.close();
            throw new UncheckedIOException(bindFailure(new InetSocketAddress(address, settings.port())));
        }
        return new HelidonTransport(server, watch, new InetSocketAddress(address, server.port()));
    }

    /** Why the address cannot be bound, as binding it says. */
    private static IOException bindFailure(InetSocketAddress address) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(address);
            return new BindException("the address could not be bound");
        } catch (IOException e) {
            return e;
        }
    }

    /** Closing idle connections that late after their timeout is soon enough. */
    private static Duration checkPeriod(Duration idleTimeout) {
        Duration quarter = idleTimeout.dividedBy(4);
        return quarter.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : quarter;
    }

    private static Tls tls(TransportSettings.TlsSource source) {
        try {
            return switch (source) {
                case TransportSettings.TlsSource.Pem pem -> {
                    Keys keys = Keys.builder().pem(p -> p.key(resource(pem.privateKey(), "private key"))
                            .certChain(resource(pem.certificateChain(), "certificate chain"))).build();
                    PrivateKey key = keys.privateKey()
                            .orElseThrow(() -> new IllegalArgumentException("TLS: " + source + " hold no private key"));
                    yield tls(source, key, keys.certChain());
                }
                case TransportSettings.TlsSource.Keystore store -> keystoreTls(store);
            };
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException | GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("TLS: cannot use " + source + ": " + e.getMessage(), e);
        }
    }

    /** The keystore's first private key and its chain. */
    private static Tls keystoreTls(TransportSettings.TlsSource.Keystore store) throws GeneralSecurityException, IOException {
        resource(store.file(), "keystore");
        KeyStore keystore = KeyStore.getInstance(store.file().toFile(), store.password());
        for (String alias : Collections.list(keystore.aliases())) {
            if (keystore.isKeyEntry(alias) && keystore.getKey(alias, store.password()) instanceof PrivateKey key) {
                List<X509Certificate> chain = Arrays.stream(keystore.getCertificateChain(alias))
                        .map(X509Certificate.class::cast).toList();
                return tls(store, key, chain);
            }
        }
        throw new IllegalArgumentException("TLS: " + store + " holds no private key");
    }

    private static Tls tls(TransportSettings.TlsSource source, PrivateKey key, List<X509Certificate> chain) {
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("TLS: " + source + " hold no certificate for the private key");
        }
        return Tls.builder().privateKey(key).privateKeyCertChain(chain).build();
    }

    private static Resource resource(Path path, String what) {
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException("TLS " + what + " " + path + " does not exist or cannot be read");
        }
        return Resource.create(path);
    }

    public InetSocketAddress address() {
        return address;
    }

    /** Whether it serves HTTPS. */
    public boolean secure() {
        return server.hasTls();
    }

    /** Stops accepting and closes every connection (a request still running sees its socket closed). */
    @Override
    public void close() {
        server.stop();
        watch.close();
    }
}
