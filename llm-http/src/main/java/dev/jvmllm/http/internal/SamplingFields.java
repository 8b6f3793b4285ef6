package dev.jvmllm.http.internal;

import dev.jvmllm.api.SamplingParams;

/**
 * Reads the sampling fields every generation endpoint shares into {@link SamplingParams}:
 * {@code temperature}, {@code top_k}, {@code top_p}, {@code min_p}, {@code repetition_penalty},
 * {@code presence_penalty}, {@code frequency_penalty}, {@code seed} and {@code stop}. Fields not
 * given keep the {@link SamplingParams.Builder} defaults (temperature 1, as OpenAI's); values out
 * of range are refused by {@link SamplingParams} itself, whose message becomes the 400 answer.
 */
final class SamplingFields {

    private SamplingFields() {
    }

    /**
     * @param maxTokens the token limit, resolved by the endpoint (its field names and default differ)
     */
    static SamplingParams read(JsonFields body, int maxTokens) {
        SamplingParams.Builder builder = SamplingParams.builder().maxTokens(maxTokens);
        body.number("temperature").ifPresent(builder::temperature);
        body.integer("top_k").ifPresent(builder::topK);
        body.number("top_p").ifPresent(builder::topP);
        body.number("min_p").ifPresent(builder::minP);
        body.number("repetition_penalty").ifPresent(builder::repetitionPenalty);
        body.number("presence_penalty").ifPresent(builder::presencePenalty);
        body.number("frequency_penalty").ifPresent(builder::frequencyPenalty);
        body.longInteger("seed").ifPresent(builder::seed);
        return builder.stop(body.strings("stop")).build();
    }
}
