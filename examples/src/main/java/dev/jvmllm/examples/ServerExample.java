package dev.jvmllm.examples;

import dev.jvmllm.api.Backends;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.http.LlmServer;

import java.nio.file.Path;

/**
 * The scheduler in-process (streaming tokens to a listener) and the same scheduler behind the
 * embedded HTTP server. Run: {@code java -cp ... dev.jvmllm.examples.ServerExample path/to/model.gguf}
 */
public final class ServerExample {
    public static void main(String[] args) throws Exception {
        try (Model model = Backends.open(Path.of(args[0]));
             Scheduler scheduler = Schedulers.create(model, SchedulerOptions.defaults().withMaxSequences(4))) {
            scheduler.submit(GenerationRequest.of("Once upon a time", SamplingParams.greedy(32)), event -> {
                if (event instanceof GenerationEvent.Token token) {
                    System.out.print(token.text());
                }
            }).result().join();
            System.out.println();

            try (LlmServer server = LlmServer.builder(scheduler).port(8080).build().start()) {
                System.out.println("try: curl -s localhost:" + server.port()
                        + "/v1/completions -d '{\"prompt\": \"Once upon a time\", \"max_tokens\": 32}'");
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }
}
