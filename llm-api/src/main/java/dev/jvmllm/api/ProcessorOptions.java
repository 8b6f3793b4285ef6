package dev.jvmllm.api;

/**
 * How a {@link BatchProcessor} is sized.
 *
 * @param maxSequences how many sequences it holds at once (sequence ids {@code 0 .. maxSequences - 1})
 * @param contextSize the most tokens (prompt and generated) one sequence can hold; 0 means the
 *                    model's trained context length. Every sequence gets this much KV space.
 * @param maxBatchTokens the most tokens one {@link BatchProcessor#process} call takes
 * @param threads CPU threads for the forward pass; 0 chooses by the model's size
 *                (see {@link #effectiveThreads(ModelInfo)})
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

    /**
     * Below this size a forward pass is so short that splitting it across threads costs more in
     * synchronisation than it saves: stories260K (1.2 MB) decodes at about 7,000 tokens/s on one
     * thread and about 530 on two, on a 2-core machine.
     */
    public static final long SINGLE_THREAD_WEIGHT_BYTES = 64L << 20;

    /** One sequence, the model's context, batches of up to 512 tokens, threads chosen by the model's size. */
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

    /**
     * The thread count to use for this model: {@link #threads()} when set; else one thread for
     * models smaller than {@link #SINGLE_THREAD_WEIGHT_BYTES}, and the machine's cores for larger ones.
     */
    public int effectiveThreads(ModelInfo model) {
        return threads > 0 ? threads : defaultThreads(model.weightBytes());
    }

    /** The thread count chosen for a model of this size when none is set. */
    public static int defaultThreads(long weightBytes) {
        return weightBytes < SINGLE_THREAD_WEIGHT_BYTES ? 1 : Runtime.getRuntime().availableProcessors();
    }
}
