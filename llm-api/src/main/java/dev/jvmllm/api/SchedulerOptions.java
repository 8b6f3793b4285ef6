package dev.jvmllm.api;

import java.time.Duration;
import java.util.Objects;

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
 * @param idleSpin how long the engine thread, out of work, keeps looking for a new request before
 *                 it sleeps. A request that comes meanwhile starts without waking a sleeping
 *                 thread, which on a virtual machine whose idle core has halted takes a few hundred
 *                 microseconds; a caller that submits again as soon as its answer came (a loop
 *                 of requests, a pipeline of steps) gets there in microseconds.
 *                 The cost is up to that much of one core's time each time the engine runs out
 *                 of work. {@link Duration#ZERO} sleeps at once, as does a JVM with one processor
 *                 (where the spinning thread would only hold off the caller it waits for).
 * @param prefixCache keep the KV cache of a finished request for the next request that starts
 *                    with the same tokens, which then computes only the rest of its prompt (a
 *                    multi-turn chat resends its whole conversation every turn). A kept cache
 *                    gives way, least recently used first, to any request that needs a sequence.
 * @param stepOrder who gets a step's token budget first
 */
public record SchedulerOptions(int maxSequences, int maxQueued, int contextSize, int maxBatchTokens, int threads,
                               Duration timeoutPerToken, Duration timeoutFloor, Duration timeoutCeiling,
                               Duration idleSpin, boolean prefixCache, StepOrder stepOrder) {

    public SchedulerOptions {
        Objects.requireNonNull(stepOrder, "stepOrder");
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
        if (idleSpin.isNegative() || idleSpin.compareTo(MAX_IDLE_SPIN) > 0) {
            throw new IllegalArgumentException("idleSpin must be between 0 and " + MAX_IDLE_SPIN.toMillis()
                    + " ms, got " + idleSpin);
        }
    }

    /** The longest {@link #idleSpin}: beyond it, spinning costs more than any wake-up it could spare. */
    public static final Duration MAX_IDLE_SPIN = Duration.ofMillis(10);

    /**
     * 8 sequences, 64 waiting, the model's context, 512 tokens a step, threads by model size, 1 s a
     * token within 30 s .. 10 min, 1 ms of idle spin, prefix caching on, decoding first.
     */
    public static SchedulerOptions defaults() {
        return new SchedulerOptions(8, 64, 0, 512, 0, Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(10),
                Duration.ofMillis(1), true, StepOrder.DECODE_FIRST);
    }

    public SchedulerOptions withMaxSequences(int value) {
        return new SchedulerOptions(value, maxQueued, contextSize, Math.max(maxBatchTokens, value), threads,
                timeoutPerToken, timeoutFloor, timeoutCeiling, idleSpin, prefixCache, stepOrder);
    }

    public SchedulerOptions withMaxQueued(int value) {
        return new SchedulerOptions(maxSequences, value, contextSize, maxBatchTokens, threads,
                timeoutPerToken, timeoutFloor, timeoutCeiling, idleSpin, prefixCache, stepOrder);
    }

    public SchedulerOptions withContextSize(int value) {
        return new SchedulerOptions(maxSequences, maxQueued, value, maxBatchTokens, threads,
                timeoutPerToken, timeoutFloor, timeoutCeiling, idleSpin, prefixCache, stepOrder);
    }

    public SchedulerOptions withMaxBatchTokens(int value) {
        return new SchedulerOptions(maxSequences, maxQueued, contextSize, value, threads,
                timeoutPerToken, timeoutFloor, timeoutCeiling, idleSpin, prefixCache, stepOrder);
    }

    public SchedulerOptions withThreads(int value) {
        return new SchedulerOptions(maxSequences, maxQueued, contextSize, maxBatchTokens, value,
                timeoutPerToken, timeoutFloor, timeoutCeiling, idleSpin, prefixCache, stepOrder);
    }

    public SchedulerOptions withTimeouts(Duration perToken, Duration floor, Duration ceiling) {
        return new SchedulerOptions(maxSequences, maxQueued, contextSize, maxBatchTokens, threads, perToken, floor, ceiling,
                idleSpin, prefixCache, stepOrder);
    }

    public SchedulerOptions withIdleSpin(Duration value) {
        return new SchedulerOptions(maxSequences, maxQueued, contextSize, maxBatchTokens, threads,
                timeoutPerToken, timeoutFloor, timeoutCeiling, value, prefixCache, stepOrder);
    }

    public SchedulerOptions withPrefixCache(boolean value) {
        return new SchedulerOptions(maxSequences, maxQueued, contextSize, maxBatchTokens, threads,
                timeoutPerToken, timeoutFloor, timeoutCeiling, idleSpin, value, stepOrder);
    }

    public SchedulerOptions withStepOrder(StepOrder value) {
        return new SchedulerOptions(maxSequences, maxQueued, contextSize, maxBatchTokens, threads,
                timeoutPerToken, timeoutFloor, timeoutCeiling, idleSpin, prefixCache, value);
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
