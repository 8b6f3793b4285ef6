package dev.jvmllm.examples.cli;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.scheduler.DirectGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code llm generate}: streams one completion to stdout, through the direct path. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate text from a prompt; prints only the text.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptionsMixin model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT")
    String prompt;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "128", description = "default: ${DEFAULT-VALUE}")
    int maxTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.8", description = "0 is greedy; default: ${DEFAULT-VALUE}")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40", description = "default: ${DEFAULT-VALUE}")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95", description = "default: ${DEFAULT-VALUE}")
    double topP;

    @Option(names = "--seed", paramLabel = "S", description = "random seed; default: random")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "stop string (repeatable)")
    List<String> stop = List.of();

    @Override
    public Integer call() {
        SamplingParams.Builder sampling = SamplingParams.builder().maxTokens(maxTokens).temperature(temperature)
                .topK(topK).topP(topP).stop(stop);
        if (seed != null) {
            sampling.seed(seed);
        }
        GenerationRequest request = GenerationRequest.of(prompt, sampling.build());
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        try (Model opened = model.open();
             BatchProcessor processor = opened.newBatchProcessor(ProcessorOptions.defaults()
                     .withContextSize(model.contextSize).withThreads(model.threads))) {
            new DirectGenerator(processor).generate(request, event -> {
                if (event instanceof GenerationEvent.Token token && !token.text().isEmpty()) {
                    out.print(token.text());
                    out.flush();
                }
            });
        }
        out.println();
        out.flush();
        return 0;
    }
}
