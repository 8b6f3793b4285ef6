package dev.jvmllm.api;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Runs the embedding requests of many callers on one {@link EmbeddingModel}, gathering them into
 * shared forward passes; thread-safe. The implementation is {@code dev.jvmllm.scheduler.EmbeddingBatcher}.
 */
public interface EmbeddingScheduler extends AutoCloseable {

    /** The model it runs. */
    EmbeddingModel model();

    /**
     * Queues the inputs for the next pass.
     *
     * @return completes with one embedding per input, in order, or with the {@link LlmException}
     *         the model threw for the pass
     * @throws InvalidRequestException if an input is bad (see {@link EmbeddingModel#embed}): checked
     *                                 here, so a bad request never fails the pass it would have shared
     * @throws QueueFullException if too many inputs are waiting already
     * @throws SchedulerClosedException after {@link #close}
     */
    CompletableFuture<List<float[]>> submit(List<int[]> inputs);

    /** Forward passes run so far. */
    long passes();

    /** Inputs embedded so far. */
    long inputs();

    /** Tokens embedded so far. */
    long tokens();

    /** Refuses new requests, lets the queued ones finish, and stops. Idempotent. Does not close the model. */
    @Override
    void close();
}
