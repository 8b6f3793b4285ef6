package dev.jvmllm.api;

import java.time.Duration;

/**
 * How a scheduler is sized and how long requests may take.
 *
 * @param maxSequences how many requests generate at once (each gets a sequence and its KV cache)
 * @param maxQueued how many more may wait; one more is refused with {@link QueueFullException}
 * @param contextSize tokens per sequence (prompt and generated); 0 means the model's context length
 * @param maxBatchTokens the token budget of one forward pass; long prompts are split into chunks
 *                       so that other sequences keep getting a token every step
 * @param threads CPU threads of the forward pass; 0 chooses by the model's size
 * @param timeoutPerToken a request without its own timeout gets this per requested token ...
 * @param timeoutFloor ... but at least this ...
 * @param timeoutCeiling ... and at most this
 */
public record SchedulerOptions(int maxSequences, int maxQueued, int contextSize, int maxBatchTokens, int threads,
                               Duration timeoutPerToken, Duration timeoutFloor, Duration timeoutCeiling) {

    public SchedulerOptions {
        if (maxSequences < 1) {
            throw new IllegalArgumentException("maxSequences must be at least 1, got " + maxSequences);
        }
        if (maxQueued < 0) {
            throw new IllegalArgumentException("maxQueued must not be negative, got " + maxQueued);
        }
        if (contextSize < 0 || threads < 0) {
            throw new IllegalArgumentException("contextSize and threads must not be negative");
        }
        if (maxBatchTokens < maxSequences) {
            throw new IllegalArgumentException("maxBatchTokens (" + maxBatchTokens
                    + ") must be at least maxSequences (" + maxSequences + ")");
        }
        if (timeoutFloor.compareTo(timeoutCeiling) > 0) {
            throw new IllegalArgumentException("timeoutFloor must not exceed timeoutCeiling");
        }
    }

    /** 8 sequences, 64 waiting, the model's context, 512 tokens a step, threads by model size, 1 s a token within 30 s .. 10 min. */
    public static SchedulerOptions defaults() {
        return new SchedulerOptions(8, 64, 0, 512, 0, Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(10));
    }

    public SchedulerOptions withMaxSequences(int value) {
        return new SchedulerOptions(value, maxQueued, contextSize, Math.max(maxBatchTokens, value), threads,
                timeoutPerToken, timeoutFloor, timeoutCeiling);
    }

    public SchedulerOptions withMaxQueued(int value) {
        return new SchedulerOptions(maxSequences, value, contextSize, maxBatchTokens, threads,
                timeoutPerToken, timeoutFloor, timeoutCeiling);
    }

    public SchedulerOptions withContextSize(int value) {
        return new SchedulerOptions(maxSequences, maxQueued, value, maxBatchTokens, threads,
                timeoutPerToken, timeoutFloor, timeoutCeiling);
    }

    public SchedulerOptions withMaxBatchTokens(int value) {
        return new SchedulerOptions(maxSequences, maxQueued, contextSize, value, threads,
                timeoutPerToken, timeoutFloor, timeoutCeiling);
    }

    public SchedulerOptions withThreads(int value) {
        return new SchedulerOptions(maxSequences, maxQueued, contextSize, maxBatchTokens, value,
                timeoutPerToken, timeoutFloor, timeoutCeiling);
    }

    public SchedulerOptions withTimeouts(Duration perToken, Duration floor, Duration ceiling) {
        return new SchedulerOptions(maxSequences, maxQueued, contextSize, maxBatchTokens, threads, perToken, floor, ceiling);
    }

    /** The processor these options call for. */
    public ProcessorOptions processorOptions() {
        return new ProcessorOptions(maxSequences, contextSize, maxBatchTokens, threads);
    }

    /** The timeout of a request that names none: {@code maxTokens * timeoutPerToken} within floor and ceiling. */
    public Duration defaultTimeout(int maxTokens) {
        Duration derived = timeoutPerToken.multipliedBy(maxTokens);
        if (derived.compareTo(timeoutFloor) < 0) {
            return timeoutFloor;
        }
        return derived.compareTo(timeoutCeiling) > 0 ? timeoutCeiling : derived;
    }
}
