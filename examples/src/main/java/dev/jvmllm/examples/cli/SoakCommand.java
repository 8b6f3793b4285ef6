package dev.jvmllm.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.examples.soak.KvCacheSize;
import dev.jvmllm.examples.soak.Soak;
import dev.jvmllm.examples.soak.SoakReport;
import dev.jvmllm.http.LlmServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code llm soak}: a server on a loopback port of this process under mixed load for a while, with
 * every request accounted for and the process's threads, descriptors and memory checked afterwards
 * ({@link Soak}). Exit code 0 when it passed, 1 when not.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = {"Serve the model on a loopback port and drive it with mixed load for a while: JSON and SSE,"
                + " chat, completions and /generate, clients that hang up, bad requests, bursts that overflow the"
                + " queue. Prints a table of requests by outcome and the process's memory, threads and file"
                + " descriptors; fails (exit code 1) if any request was lost or hung, if threads or descriptors"
                + " did not come back to their count after the warm-up, or if the resident memory grew by 5 % or"
                + " more after the first 20 s.",
                "Run it with a fixed heap (java -Xms512m -Xmx512m -XX:+AlwaysPreTouch -jar ...): a heap that is"
                        + " still growing looks like a leak."})
final class SoakCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptionsMixin model;

    @Mixin
    SchedulerOptionsMixin schedulerOptions;

    @Option(names = "--minutes", paramLabel = "N", description = "how long the load runs; default: 10")
    Integer minutes;

    @Option(names = "--seconds", paramLabel = "S", description = "how long the load runs, in seconds (instead of --minutes)")
    Integer seconds;

    @Option(names = "--clients", paramLabel = "C", defaultValue = "8",
            description = "steady clients, each sending one request after another; default: ${DEFAULT-VALUE}")
    int clients;

    @Option(names = "--report-seconds", paramLabel = "S", defaultValue = "30",
            description = "a row of the table every S seconds; default: ${DEFAULT-VALUE}")
    int reportSeconds;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "4",
            description = "sequences generated at once; default: ${DEFAULT-VALUE}")
    int parallel;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "8",
            description = "requests that may wait, small so that bursts are refused; default: ${DEFAULT-VALUE}")
    int queue;

    @Option(names = "--chat-template", paramLabel = "NAME", defaultValue = "chatml",
            description = "built-in chat template for models without one; default: ${DEFAULT-VALUE}")
    String chatTemplate;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the report as JSON")
    Path json;

    @Override
    public Integer call() throws InterruptedException, IOException {
        if (minutes != null && seconds != null) {
            throw new ParameterException(spec.commandLine(), "give --minutes or --seconds, not both");
        }
        Duration duration = seconds != null ? Duration.ofSeconds(seconds) : Duration.ofMinutes(minutes != null ? minutes : 10);
        SoakReport report;
        try (Model opened = model.open()) {
            // a context of the model's own length would make the KV cache of a real model needlessly large
            int context = model.contextSize() > 0 ? model.contextSize()
                    : Math.min(1024, opened.info().trainedContextLength());
            try (Scheduler scheduler = Schedulers.create(opened, schedulerOptions.applyTo(SchedulerOptions.defaults()
                    .withMaxSequences(parallel).withMaxQueued(queue).withContextSize(context)
                    .withThreads(model.threads())));
                 LlmServer server = LlmServer.builder(scheduler).chatTemplate(chatTemplate).host("127.0.0.1").port(0).build().start()) {
                Soak.Settings settings = Soak.Settings.defaults(duration, scheduler).withClients(clients)
                        .withReportEvery(Duration.ofSeconds(reportSeconds));
                report = Soak.run(server, scheduler, settings, KvCacheSize.bytesPerToken(model.modelPath()),
                        System.out);
            }
        }
        if (json != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), report);
        }
        return report.passed() ? 0 : 1;
    }
}
