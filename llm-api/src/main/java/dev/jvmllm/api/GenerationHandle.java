package dev.jvmllm.api;

import java.util.concurrent.CompletableFuture;

/** A submitted generation. */
public interface GenerationHandle {

    /** Unique within its scheduler. */
    long id();

    /**
     * Completes with the result when the generation ends for any {@link FinishReason}
     * (cancellation and timeout included), or exceptionally with an {@link LlmException}.
     */
    CompletableFuture<GenerationResult> result();

    /**
     * Asks for the generation to stop; it ends with {@link FinishReason#CANCELLED} within one
     * engine step and frees its sequence. Idempotent; a no-op once it has ended.
     */
    void cancel();
}
