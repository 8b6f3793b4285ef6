package dev.jvmllm.consumer;

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
 * Opens the model given as the first argument (or {@code $LLM_TEST_MODEL}), generates 12 greedy
 * tokens from "Once upon a time" and prints the text. Exits 0 only if the text is not empty.
 * Run with {@code --enable-native-access=ALL-UNNAMED}.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : System.getenv("LLM_TEST_MODEL");
        if (model == null || model.isBlank()) {
            System.err.println("usage: Main MODEL.gguf   (or set LLM_TEST_MODEL)");
            System.exit(2);
        }
        String text = generate(Path.of(model), "Once upon a time", 12);
        System.out.println(text);
        System.exit(text.isEmpty() ? 1 : 0);
    }

    static String generate(Path path, String prompt, int maxTokens) {
        try (Model model = Backends.open(path);
             BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            GenerationResult result = new DirectGenerator(processor)
                    .generate(GenerationRequest.of(prompt, SamplingParams.greedy(maxTokens)));
            return result.text();
        }
    }
}
