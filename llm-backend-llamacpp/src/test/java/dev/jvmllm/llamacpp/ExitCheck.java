package dev.jvmllm.llamacpp;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.api.ProcessorOptions;

import java.nio.file.Path;

/**
 * The program {@link JvmExitTest} runs in a child JVM: loads a model, generates, and returns from
 * main without System.exit. With "leak" it does not close anything, like a careless application.
 */
public final class ExitCheck {
    private ExitCheck() {
    }

    public static void main(String[] args) {
        boolean leak = args.length > 1 && args[1].equals("leak");
        Model model = new LlamaCppBackend().open(Path.of(args[0]), ModelOptions.defaults());
        BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults().withContextSize(64));
        int[] tokens = Greedy.generate(processor, 0, model.tokenize("Once upon a time", true), 16);
        System.out.println("generated " + tokens.length + " tokens");
        if (!leak) {
            processor.close();
            model.close();
        }
    }
}
