package dev.jvmllm.http;

import dev.jvmllm.api.Scheduler;
import dev.jvmllm.http.internal.ApiHandler;
import dev.jvmllm.http.internal.InFlight;
import dev.jvmllm.http.internal.ServerSettings;
import dev.jvmllm.http.internal.HelidonTransport;
import dev.jvmllm.http.internal.TransportSettings;
import dev.jvmllm.api.EmbeddingScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * An embedded HTTP server over a {@link Scheduler}: the seed-style {@code POST /generate}, the
 * OpenAI-compatible {@code POST /v1/completions}, {@code POST /v1/chat/completions} and
 * {@code GET /v1/models}, and {@code GET /health}, {@code GET /ready} and {@code GET /metrics}
 * (Prometheus). It runs on Helidon SE's WebServer: HTTP/1.1 with keep-alive and HTTP/2 (h2c
 * upgrade, prior knowledge, ALPN over TLS), a virtual thread per connection, optional TLS and
 * CORS, and bounds on connections, request arrival time, idle keep-alive and HTTP/2 streams.
 *
 * <pre>{@code
 * try (Scheduler scheduler = Schedulers.create(model, SchedulerOptions.defaults());
 *      LlmServer server = LlmServer.builder(scheduler).port(8080).apiKey(key).build().start()) {
 *     ...
 * }
 * }</pre>
 *
 * <p>The server does not own the scheduler: close the server first, then the scheduler.
 * Closing is graceful: new requests are answered 503 at once, requests in flight get up to the
 * {@linkplain Builder#shutdownGrace grace} to finish, then their generations are cancelled.
 */
public final class LlmServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LlmServer.class);
    /** How long cancelled requests may take to write their last answer before connections close. */
    private static final Duration CANCELLED_ANSWER_WAIT = Duration.ofSeconds(5);
    private static final Duration DEFAULT_STREAM_COALESCING = Duration.ofMillis(10);
    /** Beyond this a stream would visibly stutter. */
    private static final Duration MAX_STREAM_COALESCING = Duration.ofMillis(100);

    private final String host;
    private final int requestedPort;
    private final Duration grace;
    private final ServerSettings settings;
    private final ApiHandler handler;
    private final TransportSettings transport;
    private HelidonTransport http;
    private CompletableFuture<Void> stopped;

    private LlmServer(Builder builder) {
        this.host = builder.host;
        this.requestedPort = builder.port;
        this.grace = builder.shutdownGrace;
        String embeddingModelName = builder.embeddings == null ? ""
                : builder.embeddingModelName != null ? builder.embeddingModelName
                : builder.embeddings.model().info().name();
        String modelName = builder.modelName != null ? builder.modelName
                : builder.scheduler != null ? builder.scheduler.model().info().name() : embeddingModelName;
        this.settings = new ServerSettings(Optional.ofNullable(builder.scheduler), modelName,
                Optional.ofNullable(builder.embeddings), embeddingModelName, builder.apiKeys,
                builder.maxBodyBytes, Optional.ofNullable(builder.chatTemplate), builder.streamCoalescing);
        this.handler = new ApiHandler(settings);
        this.transport = new TransportSettings(host, requestedPort,
                builder.maxConnections, builder.requestTimeout, builder.idleTimeout, builder.maxStreamsPerConnection,
                Optional.ofNullable(builder.tls), builder.corsOrigins);
    }

    /**
     * A builder for a server that generates with this scheduler; {@link Builder#embeddings} adds
     * an embedding model. The server owns neither: close them after the server.
     */
    public static Builder builder(Scheduler scheduler) {
        return new Builder(Objects.requireNonNull(scheduler, "scheduler"), null);
    }

    /**
     * A builder for a server of an embedding model only: {@code /v1/embeddings}, {@code /v1/models},
     * {@code /health} and {@code /metrics}; the generation endpoints answer 501.
     */
    public static Builder builder(EmbeddingScheduler embeddings) {
        return new Builder(null, Objects.requireNonNull(embeddings, "embeddings"));
    }

    /**
     * Binds the address and starts answering.
     *
     * @return this server
     * @throws UncheckedIOException if the address cannot be bound (port in use, unknown host)
     * @throws IllegalArgumentException if the TLS files cannot be read or hold no usable key and certificate
     * @throws IllegalStateException if it was started or shut down before
     */
    public synchronized LlmServer start() {
        if (http != null || stopped != null) {
            throw new IllegalStateException(stopped != null ? "the server was shut down" : "the server was started already");
        }
        try {
            http = HelidonTransport.start(transport, handler);
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + requestedPort + ": " + e.getMessage(), e.getCause());
        }
        log.info("serving {} on {}", settings.modelName(), uri());
        return this;
    }

    /** The port it listens on: the bound one when it was built with port 0. */
    public int port() {
        return address().getPort();
    }

    /** The address it listens on. */
    public synchronized InetSocketAddress address() {
        if (http == null) {
            throw new IllegalStateException("the server is not started");
        }
        return http.address();
    }

    /** Its base URI, such as {@code http://127.0.0.1:8080} ({@code https} with TLS); OpenAI clients take {@code uri() + "/v1"}. */
    public URI uri() {
        InetSocketAddress address = address();
        String hostText = address.getAddress().getHostAddress();
        return URI.create((transport.tls().isPresent() ? "https://" : "http://") + (hostText.contains(":") ? "[" + hostText + "]" : hostText) + ":" + address.getPort());
    }

    /** The model name that requests' {@code model} fields must match and that responses carry. */
    public String modelName() {
        return settings.modelName();
    }

    /**
     * Begins a graceful shutdown and returns at once: from now on new requests are answered 503;
     * requests in flight get up to {@code grace} to finish, then their generations are cancelled
     * (a request waiting for its whole answer gets 503 {@code shutting_down}, a stream ends with an
     * error event of that code) and the listener closes. Idempotent: a
     * later call returns the same future and its grace is ignored.
     *
     * @return completes when the server has stopped
     */
    public synchronized CompletableFuture<Void> shutdown(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (stopped != null) {
            return stopped;
        }
        stopped = new CompletableFuture<>();
        if (http == null) {
            stopped.complete(null);
            return stopped;
        }
        InFlight inFlight = handler.inFlight();
        inFlight.beginDraining();
        Thread.ofVirtual().name("llm-http-shutdown").start(() -> {
            try {
                if (!inFlight.awaitIdle(grace.toNanos())) {
                    log.info("cancelling the requests still running after the {} grace", grace);
                    inFlight.cancelAll();
                    // a cancelled generation ends within an engine step: let its answer go out
                    inFlight.awaitIdle(CANCELLED_ANSWER_WAIT.toNanos());
                }
                http.close();
                log.info("stopped serving {}", settings.modelName());
                stopped.complete(null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                http.close();
                stopped.completeExceptionally(e);
            } catch (RuntimeException e) {
                stopped.completeExceptionally(e);
            }
        });
        return stopped;
    }

    /** {@link #shutdown} with the builder's grace, waiting until the server has stopped. */
    @Override
    public void close() {
        shutdown(grace).join();
    }

    /** Configures an {@link LlmServer}. */
    public static final class Builder {
        private final Scheduler scheduler;
        private EmbeddingScheduler embeddings;
        private String embeddingModelName;
        private String host = "127.0.0.1";
        private int port = 8080;
        private final List<String> apiKeys = new ArrayList<>();
        private int maxBodyBytes = 1 << 20;
        private int maxConnections = 1024;
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private int maxStreamsPerConnection = 100;
        private TransportSettings.TlsSource tls;
        private final List<String> corsOrigins = new ArrayList<>();
        private String chatTemplate;
        private String modelName;
        private Duration shutdownGrace = Duration.ofSeconds(30);
        private Duration streamCoalescing = DEFAULT_STREAM_COALESCING;

        private Builder(Scheduler scheduler, EmbeddingScheduler embeddings) {
            this.scheduler = scheduler;
            this.embeddings = embeddings;
        }

        /** Serves {@code /v1/embeddings} with this embedding model too, beside the generation model. */
        public Builder embeddings(EmbeddingScheduler value) {
            embeddings = Objects.requireNonNull(value, "embeddings");
            return this;
        }

        /**
         * The embedding model's name that clients see and send; default its {@code info().name()}.
         * It must differ from the generation model's.
         */
        public Builder embeddingModelName(String value) {
            embeddingModelName = Objects.requireNonNull(value, "embeddingModelName");
            return this;
        }

        /** The address to bind; default {@code 127.0.0.1} (this machine only). */
        public Builder host(String value) {
            host = Objects.requireNonNull(value, "host");
            return this;
        }

        /** The port; default 8080; 0 picks a free one ({@link LlmServer#port()} tells which). */
        public Builder port(int value) {
            if (value < 0 || value > 65535) {
                throw new IllegalArgumentException("port must be in 0..65535, got " + value);
            }
            port = value;
            return this;
        }

        /**
         * Requires every request except {@code GET /health} and {@code GET /ready} to send
         * {@code Authorization: Bearer <key>} with this key or another one given here or to
         * {@link #apiKeys}; default: no key. Keys are compared in constant time.
         */
        public Builder apiKey(String value) {
            Objects.requireNonNull(value, "apiKey");
            if (value.isBlank()) {
                throw new IllegalArgumentException("the API key must not be blank");
            }
            apiKeys.add(value.strip());
            return this;
        }

        /** {@link #apiKey} for each of these keys (for example one per client, to revoke them one by one). */
        public Builder apiKeys(Collection<String> values) {
            Objects.requireNonNull(values, "apiKeys").forEach(this::apiKey);
            return this;
        }

        /**
         * The most connections open at once; one more is closed as soon as it is accepted, and the
         * open ones are not affected. Default 1024.
         */
        public Builder maxConnections(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1, got " + value);
            }
            maxConnections = value;
            return this;
        }

        /**
         * How long a request may take to arrive, its head and body, from its first byte; a slower
         * one has its connection closed (against clients that trickle their requests to hold
         * connections: slowloris). Default 30 seconds.
         */
        public Builder requestTimeout(Duration value) {
            requestTimeout = positive(value, "requestTimeout");
            return this;
        }

        /** How long a keep-alive connection may wait for its next request before it is closed; default 60 seconds. */
        public Builder idleTimeout(Duration value) {
            idleTimeout = positive(value, "idleTimeout");
            return this;
        }

        /** The most HTTP/2 streams (requests) one connection may have open at once; default 100. */
        public Builder maxStreamsPerConnection(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("maxStreamsPerConnection must be at least 1, got " + value);
            }
            maxStreamsPerConnection = value;
            return this;
        }

        /**
         * Serves HTTPS (HTTP/1.1 and HTTP/2 by ALPN) with this certificate chain and private key,
         * PEM files; the key PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1 RSA. Read at {@link #start()}.
         */
        public Builder tls(Path certificateChainPem, Path privateKeyPem) {
            tls = new TransportSettings.TlsSource.Pem(certificateChainPem, privateKeyPem);
            return this;
        }

        /** Serves HTTPS with the private key and certificate chain in this PKCS#12 (or {@code .jks}) keystore. */
        public Builder tlsKeystore(Path keystore, char[] password) {
            Objects.requireNonNull(password, "password");
            tls = new TransportSettings.TlsSource.Keystore(keystore, password);
            return this;
        }

        /**
         * Lets browser scripts from this origin (such as {@code https://app.example.com}, or
         * {@code *} for any) call the API: CORS, answered for every path, preflight included.
         * Default: no origin.
         */
        public Builder corsOrigin(String origin) {
            Objects.requireNonNull(origin, "origin");
            if (origin.isBlank()) {
                throw new IllegalArgumentException("a CORS origin must not be blank");
            }
            corsOrigins.add(origin.strip());
            return this;
        }

        private static Duration positive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return value;
        }

        /** The largest request body accepted, in bytes; larger ones get 413. Default 1 MiB. */
        public Builder maxBodyBytes(int value) {
            if (value < 1 || value == Integer.MAX_VALUE) {
                throw new IllegalArgumentException("maxBodyBytes must be in 1.." + (Integer.MAX_VALUE - 1) + ", got " + value);
            }
            maxBodyBytes = value;
            return this;
        }

        /**
         * The built-in chat template (such as {@code chatml}) for {@code /v1/chat/completions} when
         * the model has none of its own; default none, and such a model answers chat with 400.
         */
        public Builder chatTemplate(String name) {
            chatTemplate = Objects.requireNonNull(name, "chatTemplate");
            return this;
        }

        /** The generation model's name that clients see and must send; default the model's {@code info().name()}. */
        public Builder modelName(String value) {
            modelName = Objects.requireNonNull(value, "modelName");
            return this;
        }

        /** How long {@link LlmServer#close()} lets requests in flight finish; default 30 seconds. */
        public Builder shutdownGrace(Duration value) {
            Objects.requireNonNull(value, "shutdownGrace");
            if (value.isNegative()) {
                throw new IllegalArgumentException("shutdownGrace must not be negative, got " + value);
            }
            shutdownGrace = value;
            return this;
        }

        /**
         * How long a streamed token may wait so that it goes out in one write with the tokens after
         * it, when tokens come at four or more per this interval; default 10 ms, less than a frame
         * of a 60 Hz display. Slower tokens are sent at once. Waiting spares the engine a thread
         * wake-up per token, which costs a fast model a measurable share of its speed (and, when
         * every core computes, stalls the computation); {@link Duration#ZERO} wakes the writer for
         * every token.
         */
        public Builder streamCoalescing(Duration value) {
            Objects.requireNonNull(value, "streamCoalescing");
            if (value.isNegative() || value.compareTo(MAX_STREAM_COALESCING) > 0) {
                throw new IllegalArgumentException("streamCoalescing must be in 0.." + MAX_STREAM_COALESCING.toMillis()
                        + " ms, got " + value);
            }
            streamCoalescing = value;
            return this;
        }

        /** The server, not yet listening: call {@link LlmServer#start()}. */
        public LlmServer build() {
            return new LlmServer(this);
        }
    }
}
