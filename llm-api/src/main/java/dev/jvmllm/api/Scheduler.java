package dev.jvmllm.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * Queues several generations of one request, one per listener: the {@code n} choices of an
     * OpenAI request. Choice {@code i} samples with {@link SamplingParams#forChoice
     * request.sampling().forChoice(i)}. Either every choice is queued or none is. The default
     * submits them one by one, each computing the prompt itself; a scheduler that can share a
     * prefill between sequences computes the prompt once and copies its KV cache to the others
     * ({@link BatchProcessor#copySequence}), as {@code ContinuousBatchingScheduler} does.
     *
     * @param listeners one per choice, in choice order; at least one, at most {@link #maxSequences()}
     * @return the handles, in choice order
     * @throws InvalidRequestException when there are no listeners or more than {@link #maxSequences()},
     *                                 or for any reason {@link #submit} gives
     * @throws QueueFullException when the queue cannot take all of them
     */
    default List<GenerationHandle> submitChoices(GenerationRequest request, List<GenerationListener> listeners) {
        checkChoices(listeners.size(), maxSequences());
        List<GenerationHandle> handles = new ArrayList<>(listeners.size());
        try {
            for (int i = 0; i < listeners.size(); i++) {
                handles.add(submit(request.withSampling(request.sampling().forChoice(i)), listeners.get(i)));
            }
        } catch (RuntimeException e) {
            handles.forEach(GenerationHandle::cancel);
            throw e;
        }
        return handles;
    }

    /**
     * Refuses a number of choices that a scheduler of {@code maxSequences} cannot run at once.
     *
     * @throws InvalidRequestException unless {@code 1 <= choices <= maxSequences}
     */
    static void checkChoices(int choices, int maxSequences) {
        if (choices < 1 || choices > maxSequences) {
            throw new InvalidRequestException("a request has 1 to " + maxSequences + " choices here (one sequence"
                    + " each, generated together), got " + choices);
        }
    }

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

    /** How many requests may wait for a sequence; one more is refused with {@link QueueFullException}. */
    int maxQueued();

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
