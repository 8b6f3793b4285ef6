package dev.jvmllm.llamacpp;

import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.BatchOutput;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Model;

import java.util.Arrays;

/** The direct path in a few lines: prefill the prompt, then one greedy token per step. */
final class Greedy {
    private Greedy() {
    }

    /** Generates up to {@code maxTokens} tokens for sequence {@code sequence}, stopping after an end-of-generation token. */
    static int[] generate(BatchProcessor processor, int sequence, int[] prompt, int maxTokens) {
        Model model = processor.model();
        BatchInput input = new BatchInput(prompt.length);
        input.addAll(sequence, processor.nextPosition(sequence), prompt, 0, prompt.length, true);
        int[] out = new int[maxTokens];
        int n = 0;
        while (n < maxTokens) {
            BatchOutput output = processor.process(input);
            int token = output.row(0).argmax();
            out[n++] = token;
            if (model.isEndOfGeneration(token)) {
                break;
            }
            input.clear();
            input.add(sequence, processor.nextPosition(sequence), token, true);
        }
        return Arrays.copyOf(out, n);
    }
}
