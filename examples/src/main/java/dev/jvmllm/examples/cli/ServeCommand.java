package dev.jvmllm.examples.cli;

import dev.jvmllm.api.Backends;
import dev.jvmllm.api.EmbeddingModel;
import dev.jvmllm.api.EmbeddingOptions;
import dev.jvmllm.api.EmbeddingScheduler;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.api.Pooling;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.http.LlmServer;
import dev.jvmllm.scheduler.EmbeddingBatcher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code llm serve}: the HTTP server, until stopped: a generation model over the
 * continuous-batching scheduler, an embedding model over the embedding batcher, or both.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model over HTTP: /generate and the OpenAI-compatible /v1 API, /v1/embeddings for an"
                + " embedding model.")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptionsMixin model;

    @Mixin
    SchedulerOptionsMixin schedulerOptions;

    @Option(names = "--embedding-model", paramLabel = "PATH",
            description = "an embedding model to serve on /v1/embeddings beside --model (a GGUF, or an ONNX encoder"
                    + " directory with model.onnx and tokenizer.json), on the CPU and the default llama.cpp library;"
                    + " when --model itself is an embedding model, it is served alone")
    Path embeddingModel;

    @Option(names = "--pooling", paramLabel = "KIND", defaultValue = "MODEL_DEFAULT",
            description = "how an embedding model pools its token vectors: ${COMPLETION-CANDIDATES}; default: the"
                    + " model's own, else MEAN")
    Pooling pooling;

    @Option(names = "--no-normalize", description = "give embeddings as pooled, not scaled to unit length")
    boolean noNormalize;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "default: ${DEFAULT-VALUE}")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--api-key", paramLabel = "KEY", description = "require 'Authorization: Bearer KEY'; default: $LLM_API_KEY or none")
    String apiKey;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "8", description = "sequences generated at once; default: ${DEFAULT-VALUE}")
    int parallel;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "64", description = "requests that may wait; default: ${DEFAULT-VALUE}")
    int queue;

    @Option(names = "--chat-template", paramLabel = "NAME", defaultValue = "chatml",
            description = "built-in chat template for models without one; default: ${DEFAULT-VALUE}")
    String chatTemplate;

    @Option(names = "--shutdown-grace", paramLabel = "DURATION", defaultValue = "30s",
            converter = DurationConverter.class,
            description = "on SIGTERM, how long the requests in flight may run on (new ones get 503) before they"
                    + " are cancelled: 30s, 500ms, 2m, or plain seconds; default: ${DEFAULT-VALUE}")
    Duration shutdownGrace;

    @Option(names = "--api-key-file", paramLabel = "PATH",
            description = "accept each key in this file (one per line; blank lines and lines starting with # are skipped),"
                    + " beside --api-key")
    Path apiKeyFile;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "1024",
            description = "connections open at once; one more is closed on accept; default: ${DEFAULT-VALUE}")
    int maxConnections;

    @Option(names = "--request-timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "how long a request's head, and then its body, may take to arrive before the connection is"
                    + " closed (slowloris); default: ${DEFAULT-VALUE}")
    Duration requestTimeout;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "how long a keep-alive connection may wait for its next request; default: ${DEFAULT-VALUE}")
    Duration idleTimeout;

    @Option(names = "--max-streams", paramLabel = "N", defaultValue = "100",
            description = "HTTP/2 streams open at once on one connection; default: ${DEFAULT-VALUE}")
    int maxStreams;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "serve HTTPS with this certificate chain (with --tls-key)")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "the private key of --tls-cert (PKCS#8 or PKCS#1, unencrypted)")
    Path tlsKey;

    @Option(names = "--tls-keystore", paramLabel = "PATH",
            description = "serve HTTPS with the key and chain in this PKCS#12 (or .jks) keystore; its password from"
                    + " $LLM_TLS_KEYSTORE_PASSWORD")
    Path tlsKeystore;

    @Option(names = "--cors-origin", paramLabel = "ORIGIN",
            description = "let browser scripts from this origin call the API (repeatable; * for any); default: none")
    List<String> corsOrigins = new ArrayList<>();

    /** Set once the server and what it runs on are closed: by SIGTERM or by the shutdown hook. */
    private boolean closed;

    @Override
    public Integer call() throws InterruptedException {
        String key = apiKey != null ? apiKey : System.getenv("LLM_API_KEY");
        EmbeddingOptions embedding = new EmbeddingOptions(pooling, !noNormalize);
        // what to close when the server stops, last opened first
        List<AutoCloseable> opened = new ArrayList<>();
        LlmServer.Builder builder;
        List<String> served = new ArrayList<>();
        if (model.isEmbeddingModel()) {
            if (embeddingModel != null) {
                throw new ParameterException(spec.commandLine(), "--model " + model.modelPath() + " is an embedding"
                        + " model already: give --embedding-model beside a generation model only");
            }
            EmbeddingScheduler embeddings = startEmbeddings(model.openEmbedding(embedding), opened);
            builder = LlmServer.builder(embeddings);
            served.add(embeddings.model().info().name() + " (embeddings)");
        } else {
            Model generation = model.open();
            opened.add(generation);
            Scheduler scheduler = Schedulers.create(generation, schedulerOptions.applyTo(SchedulerOptions.defaults()
                    .withMaxSequences(parallel).withMaxQueued(queue).withContextSize(model.contextSize)
                    .withThreads(model.threads)));
            opened.add(scheduler);
            builder = LlmServer.builder(scheduler).chatTemplate(chatTemplate);
            served.add(generation.info().name() + " (" + parallel + " parallel sequences)");
            if (embeddingModel != null) {
                EmbeddingScheduler embeddings = startEmbeddings(
                        Backends.openEmbeddingModel(embeddingModel, ModelOptions.defaults(), embedding), opened);
                builder.embeddings(embeddings);
                String name = embeddings.model().info().name();
                if (name.equals(generation.info().name())) {
                    // the same file for both: clients tell the two apart by name
                    name = name + "-embeddings";
                    builder.embeddingModelName(name);
                }
                served.add(name + " (embeddings)");
            }
        }
        builder.host(host).port(port).shutdownGrace(shutdownGrace).maxConnections(maxConnections)
                .requestTimeout(requestTimeout).idleTimeout(idleTimeout).maxStreamsPerConnection(maxStreams);
        if (key != null && !key.isBlank()) {
            builder.apiKey(key);
        }
        if (apiKeyFile != null) {
            builder.apiKeys(readKeys(apiKeyFile));
        }
        configureTls(builder);
        corsOrigins.forEach(builder::corsOrigin);
        LlmServer server = builder.build().start();
        Collections.reverse(opened);
        // any other end of the JVM (SIGINT, SIGHUP, System.exit) drains and closes in the hook
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("llm-serve-shutdown")
                .unstarted(() -> close(server, opened)));
        CountDownLatch terminated = new CountDownLatch(1);
        onSigterm(terminated::countDown);
        System.err.printf("serving %s on %s%n", String.join(" and ", served), server.uri());
        terminated.await(); // without the handler, forever: the hook does the closing
        System.err.printf("SIGTERM: draining; the requests in flight have %s%n", DurationConverter.format(shutdownGrace));
        close(server, opened);
        System.err.println("stopped");
        return 0;
    }

    /**
     * Handles SIGTERM instead of the JVM, so that {@code serve} exits 0 after a graceful shutdown, as
     * a supervisor (Kubernetes, systemd) expects of a stop it asked for. The JVM's own handler
     * starts {@code System.exit(143)} (128 + 15): the shutdown hooks run, but whatever they do the
     * status is 143, and only {@code Runtime.halt(0)} in a hook could change it, which would also
     * cut short the other hooks and turn every other exit, {@code System.exit(1)} too, into a 0.
     * Here the signal only wakes the main thread, which drains and closes and returns 0, and
     * {@code LlmCommand} exits with it; the hook, which then finds everything closed, stays for the
     * other ends. {@code sun.misc.Signal} is in {@code jdk.unsupported}, exported and meant for
     * this; javac names it a proprietary API. Where the JVM will not give SIGTERM up, it stays the
     * JVM's: the hook drains, and the status is 143.
     */
    private static void onSigterm(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), _ -> action.run());
        } catch (IllegalArgumentException e) {
            System.err.println("SIGTERM stays the JVM's (exit status 143): " + e.getMessage());
        }
    }

    /** Drains the server (the grace), then closes what it served from, last opened first; once. */
    private synchronized void close(LlmServer server, List<AutoCloseable> opened) {
        if (closed) {
            return; // the shutdown hook after a SIGTERM, or the other way round
        }
        closed = true;
        server.close();
        for (AutoCloseable resource : opened) {
            try {
                resource.close();
            } catch (Exception e) {
                System.err.println("closing " + resource + " failed: " + e);
            }
        }
    }

    private List<String> readKeys(Path file) {
        List<String> keys;
        try {
            keys = Files.readAllLines(file).stream().map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--api-key-file " + file + ": cannot read it: " + e.getMessage());
        }
        if (keys.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--api-key-file " + file + " holds no key");
        }
        return keys;
    }

    private void configureTls(LlmServer.Builder builder) {
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
        }
        if (tlsCert != null && tlsKeystore != null) {
            throw new ParameterException(spec.commandLine(), "give --tls-cert and --tls-key, or --tls-keystore, not both");
        }
        if (tlsCert != null) {
            builder.tls(tlsCert, tlsKey);
        } else if (tlsKeystore != null) {
            String password = System.getenv("LLM_TLS_KEYSTORE_PASSWORD");
            builder.tlsKeystore(tlsKeystore, password == null ? new char[0] : password.toCharArray());
        }
    }

    private static EmbeddingScheduler startEmbeddings(EmbeddingModel embeddingModel, List<AutoCloseable> opened) {
        opened.add(embeddingModel);
        EmbeddingScheduler embeddings = EmbeddingBatcher.start(embeddingModel);
        opened.add(embeddings);
        return embeddings;
    }
}
