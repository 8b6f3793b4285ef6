package dev.jvmllm.scheduler.internal;

import dev.jvmllm.api.GenerationResult;

import java.util.concurrent.CompletableFuture;

/**
 * The future of a submitted generation. Cancelling the future cancels the generation too, so a
 * caller that only holds the future cannot leave a sequence generating for nobody.
 */
public final class ResultFuture extends CompletableFuture<GenerationResult> {
    private final Runnable cancelGeneration;

    public ResultFuture(Runnable cancelGeneration) {
        this.cancelGeneration = cancelGeneration;
    }

    /** Completes with the generation's result or failure, after its last event was delivered. */
    public void completeWith(Generation generation) {
        generation.end();
        if (generation.failure() != null) {
            completeExceptionally(generation.failure());
        } else {
            complete(generation.result());
        }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            cancelGeneration.run();
        }
        return cancelled;
    }

    /** Dependent stages are plain futures: cancelling one of them must not cancel the generation. */
    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
