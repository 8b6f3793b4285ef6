package dev.jvmllm.api;

import java.util.List;
import java.util.Objects;

/**
 * A finished generation.
 *
 * @param text the generated text (without the prompt, cut before a stop string)
 * @param tokens the generated token ids, the end-of-generation token excluded
 * @param finishReason why it ended
 * @param promptTokens how many tokens the prompt had
 * @param timings where the time went
 * @param logprobs how likely each generated token was, one per token, where the request asked
 *                 ({@link GenerationRequest#logprobs()}); empty otherwise
 * @param cachedPromptTokens how many of the prompt's tokens were not computed because a
 *                           {@linkplain SchedulerOptions#prefixCache() cached prefix} held them
 */
public record GenerationResult(String text, int[] tokens, FinishReason finishReason, int promptTokens, Timings timings,
                               List<TokenLogprob> logprobs, int cachedPromptTokens) {

    public GenerationResult {
        Objects.requireNonNull(text, "text");
        tokens = Objects.requireNonNull(tokens, "tokens").clone();
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(timings, "timings");
        logprobs = List.copyOf(Objects.requireNonNull(logprobs, "logprobs"));
        if (cachedPromptTokens < 0 || cachedPromptTokens > promptTokens) {
            throw new IllegalArgumentException("cachedPromptTokens must be in 0.." + promptTokens + ", got "
                    + cachedPromptTokens);
        }
    }

    /** A result without log-probabilities, computed without a cached prefix. */
    public GenerationResult(String text, int[] tokens, FinishReason finishReason, int promptTokens, Timings timings) {
        this(text, tokens, finishReason, promptTokens, timings, List.of(), 0);
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
