package dev.jvmllm.api;

import java.util.Objects;

/**
 * A finished generation.
 *
 * @param text the generated text (without the prompt, cut before a stop string)
 * @param tokens the generated token ids, the end-of-generation token excluded
 * @param finishReason why it ended
 * @param promptTokens how many tokens the prompt had
 * @param timings where the time went
 */
public record GenerationResult(String text, int[] tokens, FinishReason finishReason, int promptTokens, Timings timings) {

    public GenerationResult {
        Objects.requireNonNull(text, "text");
        tokens = Objects.requireNonNull(tokens, "tokens").clone();
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(timings, "timings");
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    /** How many tokens were generated. */
    public int completionTokens() {
        return tokens.length;
    }
}
