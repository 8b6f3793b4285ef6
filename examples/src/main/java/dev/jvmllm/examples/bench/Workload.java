package dev.jvmllm.examples.bench;

import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.SamplingParams;

/**
 * What every path generates: the same prompt, greedy, the same number of tokens.
 *
 * @param tokens tokens generated per sequence
 * @param context tokens per sequence that every path's KV cache holds
 */
record Workload(String prompt, int tokens, int context) {

    GenerationRequest request() {
        return GenerationRequest.of(prompt, SamplingParams.greedy(tokens));
    }

    /** The same prompt with {@code value} tokens: the warm-up's short requests. */
    Workload withTokens(int value) {
        return new Workload(prompt, value, context);
    }
}
