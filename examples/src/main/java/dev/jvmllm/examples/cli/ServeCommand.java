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

import java.nio.file.Path;
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
        builder.host(host).port(port);
        if (key != null && !key.isBlank()) {
            builder.apiKey(key);
        }
        LlmServer server = builder.build().start();
        Collections.reverse(opened);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            server.close();
            for (AutoCloseable resource : opened) {
                try {
                    resource.close();
                } catch (Exception e) {
                    System.err.println("closing " + resource + " failed: " + e);
                }
            }
            stopped.countDown();
        }));
        System.err.printf("serving %s on http://%s:%d%n", String.join(" and ", served), host, server.port());
        stopped.await();
        return 0;
    }

    private static EmbeddingScheduler startEmbeddings(EmbeddingModel embeddingModel, List<AutoCloseable> opened) {
        opened.add(embeddingModel);
        EmbeddingScheduler embeddings = EmbeddingBatcher.start(embeddingModel);
        opened.add(embeddings);
        return embeddings;
    }
}
