package dev.jvmllm.api;

/**
 * How a {@link BatchProcessor} is sized.
 *
 * @param maxSequences how many sequences it holds at once (sequence ids {@code 0 .. maxSequences - 1})
 * @param contextSize the most tokens (prompt and generated) one sequence can hold; 0 means the
 *                    model's trained context length. Every sequence gets this much KV space.
 * @param maxBatchTokens the most tokens one {@link BatchProcessor#process} call takes
 * @param threads CPU threads for the forward pass; 0 leaves the choice to the backend, which may
 *                choose differently for a pass over a single token
 *                (see {@link #effectiveThreads(ModelInfo)} and {@link #effectiveDecodeThreads(ModelInfo)})
 */
public record ProcessorOptions(int maxSequences, int contextSize, int maxBatchTokens, int threads) {

    public ProcessorOptions {
        if (maxSequences < 1) {
            throw new IllegalArgumentException("maxSequences must be at least 1, got " + maxSequences);
        }
        if (contextSize < 0) {
            throw new IllegalArgumentException("contextSize must not be negative, got " + contextSize);
        }
        if (maxBatchTokens < 1) {
            throw new IllegalArgumentException("maxBatchTokens must be at least 1, got " + maxBatchTokens);
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads must not be negative, got " + threads);
        }
    }

    /** One sequence, the model's context, batches of up to 512 tokens, threads chosen by the backend. */
    public static ProcessorOptions defaults() {
        return new ProcessorOptions(1, 0, 512, 0);
    }

    public ProcessorOptions withMaxSequences(int value) {
        return new ProcessorOptions(value, contextSize, maxBatchTokens, threads);
    }

    public ProcessorOptions withContextSize(int value) {
        return new ProcessorOptions(maxSequences, value, maxBatchTokens, threads);
    }

    public ProcessorOptions withMaxBatchTokens(int value) {
        return new ProcessorOptions(maxSequences, contextSize, value, threads);
    }

    public ProcessorOptions withThreads(int value) {
        return new ProcessorOptions(maxSequences, contextSize, maxBatchTokens, value);
    }

    /** The thread count to use for this model: {@link #threads()} when set, else {@link ModelInfo#defaultThreads()}. */
    public int effectiveThreads(ModelInfo model) {
        return threads > 0 ? threads : model.defaultThreads();
    }

    /**
     * The thread count of a pass over a single token: {@link #threads()} when set, else
     * {@link ModelInfo#defaultDecodeThreads()}.
     */
    public int effectiveDecodeThreads(ModelInfo model) {
        return threads > 0 ? threads : model.defaultDecodeThreads();
    }
}
