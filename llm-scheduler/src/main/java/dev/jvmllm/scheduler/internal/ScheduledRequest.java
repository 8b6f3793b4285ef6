package dev.jvmllm.scheduler.internal;

import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationResult;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A request inside the continuous-batching engine, and the handle its submitter holds. Its
 * state machine has three states, and every transition is a method here, called by the engine
 * thread only:
 *
 * <pre>
 * WAITING --admit--> RUNNING --complete--> FINISHED
 *    \----------------complete---------------/
 * </pre>
 *
 * The handle side ({@link #id}, {@link #result}, {@link #cancel}) is safe from any thread:
 * cancelling posts a command to the engine.
 */
final class ScheduledRequest implements GenerationHandle {

    enum State { WAITING, RUNNING, FINISHED }

    private final long id;
    private final Generation generation;
    private final Consumer<ScheduledRequest> canceller;
    private final ResultFuture future;
    private State state = State.WAITING;

    ScheduledRequest(long id, Generation generation, Consumer<ScheduledRequest> canceller) {
        this.id = id;
        this.generation = generation;
        this.canceller = canceller;
        this.future = new ResultFuture(this::cancel);
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public CompletableFuture<GenerationResult> result() {
        return future;
    }

    @Override
    public void cancel() {
        // an ended request would ignore the command; skipping it spares the engine a wake-up.
        // A future cancelled by its holder is done, but its generation still has to stop.
        if (!future.isDone() || future.isCancelled()) {
            canceller.accept(this);
        }
    }

    Generation generation() {
        return generation;
    }

    State state() {
        return state;
    }

    /** WAITING → RUNNING: it holds a sequence now. */
    void admitted() {
        require(State.WAITING);
        state = State.RUNNING;
    }

    /** Ends it for an outside reason: a running one is retired by the next sweep, a waiting one must be completed. */
    void stop(FinishReason reason, long now) {
        if (state != State.FINISHED) {
            generation.stop(reason, now);
        }
    }

    /** WAITING or RUNNING → FINISHED: delivers the last event and completes the future. */
    void complete() {
        if (state == State.FINISHED) {
            throw new IllegalStateException("request " + id + " is already finished");
        }
        state = State.FINISHED;
        future.completeWith(generation);
    }

    private void require(State expected) {
        if (state != expected) {
            throw new IllegalStateException("request " + id + " is " + state + ", expected " + expected);
        }
    }
}
