package dev.jvmllm.examples.cli;

import dev.jvmllm.api.Model;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.http.LlmServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code llm serve}: the HTTP server over the continuous-batching scheduler, until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model over HTTP: /generate and the OpenAI-compatible /v1 API.")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOptionsMixin model;

    @Mixin
    SchedulerOptionsMixin schedulerOptions;

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
        Model opened = model.open();
        Scheduler scheduler = Schedulers.create(opened, schedulerOptions.applyTo(SchedulerOptions.defaults()
                .withMaxSequences(parallel).withMaxQueued(queue).withContextSize(model.contextSize).withThreads(model.threads)));
        LlmServer.Builder builder = LlmServer.builder(scheduler).host(host).port(port).chatTemplate(chatTemplate);
        if (key != null && !key.isBlank()) {
            builder.apiKey(key);
        }
        LlmServer server = builder.build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            server.close();
            scheduler.close();
            opened.close();
            stopped.countDown();
        }));
        System.err.printf("serving %s on http://%s:%d (%d parallel sequences)%n",
                opened.info().name(), host, server.port(), parallel);
        stopped.await();
        return 0;
    }
}
