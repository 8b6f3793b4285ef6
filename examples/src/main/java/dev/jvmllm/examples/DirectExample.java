package dev.jvmllm.examples;

import dev.jvmllm.api.Backends;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.scheduler.DirectGenerator;

import java.nio.file.Path;

/**
 * In-process generation without a scheduler: open a model, create a processor, generate.
 * Run: {@code java -cp ... dev.jvmllm.examples.DirectExample path/to/model.gguf}
 */
public final class DirectExample {
    public static void main(String[] args) {
        try (Model model = Backends.open(Path.of(args[0]));
             BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            GenerationResult result = new DirectGenerator(processor)
                    .generate(GenerationRequest.of("Once upon a time", SamplingParams.greedy(48)));
            System.out.println(result.text());
            System.out.println(result.completionTokens() + " tokens, finished: " + result.finishReason());
        }
    }
}
