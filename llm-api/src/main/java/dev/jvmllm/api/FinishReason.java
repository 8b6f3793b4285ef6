package dev.jvmllm.api;

/** Why a generation ended. */
public enum FinishReason {
    /** {@link SamplingParams#maxTokens()} tokens were generated, or the context is full. */
    LENGTH,
    /** A stop string was produced; the text ends before it. */
    STOP,
    /** The model produced an end-of-generation token. */
    END_OF_SEQUENCE,
    /** The caller cancelled it (or its client went away). */
    CANCELLED,
    /** It ran past its deadline. */
    TIMEOUT;

    /** The OpenAI {@code finish_reason} value. */
    public String openAiName() {
        return switch (this) {
            case LENGTH, TIMEOUT -> "length";
            case STOP, END_OF_SEQUENCE -> "stop";
            case CANCELLED -> "cancelled";
        };
    }
}
