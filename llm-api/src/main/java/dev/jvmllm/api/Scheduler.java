package dev.jvmllm.api;

import java.time.Duration;

/**
 * Runs generations for one model, many at a time. {@link #submit} returns at once; tokens reach
 * the listener as they are produced and the handle's future completes at the end. Obtain one
 * with {@link Schedulers#create}.
 *
 * <pre>{@code
 * try (Scheduler scheduler = Schedulers.create(model, SchedulerOptions.defaults())) {
 *     GenerationResult result = scheduler.submit(GenerationRequest.of("Once upon a time",
 *             SamplingParams.greedy(32))).result().join();
 * }
 * }</pre>
 */
public interface Scheduler extends AutoCloseable {

    /**
     * Queues a generation.
     *
     * @throws QueueFullException at once when the waiting queue is full
     * @throws SchedulerClosedException when the scheduler is shutting down
     * @throws InvalidRequestException when the prompt cannot run (empty, longer than the context,
     *                                 token ids outside the vocabulary)
     */
    GenerationHandle submit(GenerationRequest request, GenerationListener listener);

    /** Queues a generation whose result is read from the handle's future alone. */
    default GenerationHandle submit(GenerationRequest request) {
        return submit(request, GenerationListener.NONE);
    }

    /** The model it runs. */
    Model model();

    /** The most tokens, prompt and generated, that one request can hold. */
    int contextSize();

    /** How many sequences it generates at once. */
    int maxSequences();

    /** A snapshot of its counters. Cheap; callable from any thread. */
    SchedulerMetrics metrics();

    /**
     * Stops admitting requests, lets running and queued ones finish until {@code grace} has passed,
     * cancels the rest, and releases the native state. Blocks until done. Idempotent.
     */
    void shutdown(Duration grace);

    /** {@link #shutdown} with a grace of 30 seconds. */
    @Override
    default void close() {
        shutdown(Duration.ofSeconds(30));
    }
}
