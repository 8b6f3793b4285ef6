package dev.jvmllm.scheduler.internal;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.QueueFullException;
import dev.jvmllm.api.SchedulerClosedException;
import dev.jvmllm.api.SchedulerMetrics;
import dev.jvmllm.api.StepOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The continuous-batching loop of one processor. {@link #run()} runs on one platform thread that
 * owns the waiting queue, the active sequences and the processor; other threads only post
 * {@link Command}s to its inbox and read their own request's future and events. Every step:
 * take commands → end overdue requests → retire ended ones (their sequences are released) →
 * admit waiting ones → plan one batch over all active sequences → one forward pass → hand out
 * the logits. With nothing to do the thread looks at the inbox for a short while
 * ({@link dev.jvmllm.api.SchedulerOptions#idleSpin}), then blocks on it, so an idle engine costs
 * no CPU and a submit wakes it.
 */
public final class Engine implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);

    private final BatchProcessor processor;
    private final SchedulerStats stats;
    private final LongSupplier clock;
    private final int maxQueued;
    private final int capacity;
    private final long idleSpinNanos;
    private final BlockingQueue<Command> inbox = new LinkedBlockingQueue<>();
    private final AtomicLong ids = new AtomicLong();
    /** Requests accepted and not yet completed; submit refuses more than {@link #capacity}. */
    private final AtomicInteger accepted = new AtomicInteger();
    /** Orders every Submit before the Shutdown in the inbox, so none is posted after the loop ended. */
    private final Object admission = new Object();
    private volatile boolean closed;
    private volatile int activeCount;

    // owned by the engine thread
    private final ArrayDeque<ScheduledRequest> waiting = new ArrayDeque<>();
    private final EngineStep step;
    private final ActiveSequences active;
    private final ScheduledRequest[] bySequence;
    private final Consumer<Generation> retired = this::retired;
    private boolean shuttingDown;
    private long shutdownDeadline;

    /**
     * @param processor the processor it drives and, at the end, closes
     * @param maxQueued how many requests may wait for a sequence
     * @param idleSpin how long to look for a command before blocking, once out of work
     * @param stepOrder who gets a step's token budget first
     * @param prefixCache keep finished requests' KV caches for requests that start with the same tokens
     * @param clock {@link System#nanoTime()}, or a test's clock; the generations' factory must use the same
     */
    public Engine(BatchProcessor processor, int maxQueued, Duration idleSpin, StepOrder stepOrder, boolean prefixCache,
                  SchedulerStats stats,
                  LongSupplier clock) {
        this.processor = processor;
        this.stats = stats;
        this.clock = clock;
        int sequences = processor.options().maxSequences();
        this.maxQueued = maxQueued;
        this.capacity = sequences + maxQueued;
        // on one CPU the spinning thread would only hold off the caller it waits for
        this.idleSpinNanos = Runtime.getRuntime().availableProcessors() > 1 ? idleSpin.toNanos() : 0;
        this.step = new EngineStep(processor, sequences, stepOrder, prefixCache, stats, clock);
        this.active = step.active();
        this.bySequence = new ScheduledRequest[sequences];
    }

    /**
     * Queues validated generations: one request, or the choices of one request, which are
     * admitted together (the later ones wait for the first one's prefill). Any thread; never
     * blocks on the loop.
     *
     * @param choices at most as many as the processor has sequences
     * @throws SchedulerClosedException after {@link #shutdown}
     * @throws QueueFullException when the sequences and the queue have no room for all of them
     */
    public List<GenerationHandle> submit(List<Generation> choices) {
        List<ScheduledRequest> requests = new ArrayList<>(choices.size());
        synchronized (admission) {
            if (closed) {
                throw new SchedulerClosedException("the scheduler is shut down and accepts no more requests");
            }
            if (accepted.get() + choices.size() > capacity) {
                stats.requestRejected();
                throw new QueueFullException("the scheduler is full: " + (capacity - maxQueued)
                        + " requests are generating and " + maxQueued + " are waiting; retry later");
            }
            accepted.addAndGet(choices.size());
            for (Generation generation : choices) {
                requests.add(new ScheduledRequest(ids.incrementAndGet(), generation, this::postCancel));
            }
            inbox.add(new Command.Submit(requests));
        }
        for (int i = 0; i < requests.size(); i++) {
            stats.requestSubmitted();
        }
        return List.copyOf(requests);
    }

    private void postCancel(ScheduledRequest request) {
        inbox.add(new Command.Cancel(request));
    }

    /** Stops admitting requests; the loop finishes its work for at most {@code grace}, cancels the rest and ends. */
    public void shutdown(Duration grace) {
        synchronized (admission) {
            closed = true;
            inbox.add(new Command.Shutdown(clock.getAsLong() + GenerationFactory.cappedNanos(grace)));
        }
    }

    /** True once {@link #shutdown} was called or the loop ended. */
    public boolean isClosed() {
        return closed;
    }

    /** A snapshot of the counters; any thread. */
    public SchedulerMetrics metrics() {
        int running = activeCount;
        return stats.snapshot(Math.max(0, accepted.get() - running), running);
    }

    @Override
    public void run() {
        Throwable crash = null;
        try {
            while (true) {
                receiveCommands();
                long now = clock.getAsLong();
                boolean graceOver = endOverdueWaiting(now);
                retireEnded(now, graceOver);
                if (shuttingDown && !hasWork()) {
                    return;
                }
                admitWaiting();
                step.run();
            }
        } catch (InterruptedException e) {
            // nobody but the JVM going down interrupts this thread: end every request now
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            crash = t;
            log.error("the scheduler's engine loop stopped", t);
        } finally {
            terminate(crash);
        }
    }

    /**
     * Applies the posted commands; blocks for the first one only when there is nothing else to do.
     * Nothing to do means nothing waits either (waiting requests are admitted as soon as a
     * sequence is free), so no deadline can pass unnoticed while the thread is parked.
     */
    private void receiveCommands() throws InterruptedException {
        Command command = inbox.poll();
        if (command == null && !hasWork()) {
            command = spinForCommand();
            if (command == null) {
                command = inbox.take();
            }
        }
        for (; command != null; command = inbox.poll()) {
            apply(command);
        }
    }

    /**
     * Looks for a command for up to {@code idleSpin}, by the wall clock whatever the engine's clock.
     * An empty {@link LinkedBlockingQueue} answers {@code poll} from its count alone, so the
     * submitting threads never wait on the spinning one.
     */
    private Command spinForCommand() {
        long start = System.nanoTime();
        while (System.nanoTime() - start < idleSpinNanos) {
            Thread.onSpinWait();
            Command command = inbox.poll();
            if (command != null) {
                return command;
            }
        }
        return null;
    }

    private void apply(Command command) {
        switch (command) {
            case Command.Submit(List<ScheduledRequest> requests) -> waiting.addAll(requests);
            case Command.Cancel(ScheduledRequest request) -> cancel(request, clock.getAsLong());
            case Command.Shutdown(long deadline) -> {
                if (!shuttingDown || deadline - shutdownDeadline < 0) {
                    shutdownDeadline = deadline;
                }
                shuttingDown = true;
            }
        }
    }

    private void cancel(ScheduledRequest request, long now) {
        request.stop(FinishReason.CANCELLED, now);
        if (request.state() == ScheduledRequest.State.WAITING) {
            waiting.remove(request);
            complete(request);
        }
        // a running one is retired, and its sequence released, before the next forward pass
    }

    /**
     * Ends waiting requests past their deadline, and every waiting one once a shutdown's grace is
     * over (the active ones end in {@link #retireEnded}).
     *
     * @return whether the grace is over
     */
    private boolean endOverdueWaiting(long now) {
        boolean graceOver = shuttingDown && now - shutdownDeadline >= 0;
        FinishReason reason = graceOver ? FinishReason.CANCELLED : FinishReason.TIMEOUT;
        for (int i = 0, n = waiting.size(); i < n; i++) {
            ScheduledRequest request = waiting.poll(); // rotate instead of an iterator: keeps the order, allocates nothing
            if (graceOver || request.generation().isOverdue(now)) {
                request.stop(reason, now);
                complete(request);
            } else {
                waiting.add(request);
            }
        }
        return graceOver;
    }

    /**
     * Ends overdue generations (all of them once the grace is over), removes the ended ones,
     * releases their sequences (or keeps them for the prefix cache, except while shutting down)
     * and completes their requests.
     */
    private void retireEnded(long now, boolean cancelAll) {
        step.retire(now, cancelAll, !shuttingDown, retired);
        activeCount = active.size();
    }

    private void retired(Generation generation) {
        int sequence = generation.sequence();
        ScheduledRequest request = bySequence[sequence];
        bySequence[sequence] = null;
        // count it out of the running before its future completes: a caller that has its result
        // must read metrics that already count it finished
        activeCount = active.size();
        complete(request);
    }

    /**
     * Admits waiting requests in order while sequences are free. The choices of one request are
     * admitted together or not yet, since the later ones need a sequence as the first one's
     * prefill ends; until then they hold back the requests behind them, which keeps the order fair.
     */
    private void admitWaiting() {
        while (!waiting.isEmpty()) {
            int group = waitingGroupSize();
            if (step.free() < group) {
                break;
            }
            for (int i = 0; i < group; i++) {
                ScheduledRequest request = waiting.poll();
                step.admit(request.generation());
                request.admitted();
                bySequence[request.generation().sequence()] = request;
            }
        }
        activeCount = active.size();
    }

    /** The first waiting request and the choices right behind it that wait for its prefill. */
    private int waitingGroupSize() {
        Generation first = waiting.peek().generation();
        if (!first.hasPrefillSharers()) {
            return 1;
        }
        int size = 0;
        for (ScheduledRequest request : waiting) {
            if (size > 0 && !request.generation().waitsForPrefillOf(first)) {
                break;
            }
            size++;
        }
        return size;
    }

    private boolean hasWork() {
        return !active.isEmpty() || !waiting.isEmpty();
    }

    private void complete(ScheduledRequest request) {
        // free the place before the future completes, so a caller reacting to it can submit again
        accepted.decrementAndGet();
        stats.requestFinished();
        request.complete();
    }

    /** Ends whatever is left, so that no future hangs, and closes the processor. */
    private void terminate(Throwable crash) {
        synchronized (admission) {
            closed = true;
        }
        // after a clean shutdown nothing is left; after a crash or an interrupt, requests may be
        for (Command command = inbox.poll(); command != null; command = inbox.poll()) {
            if (command instanceof Command.Submit(List<ScheduledRequest> requests)) {
                waiting.addAll(requests);
            }
        }
        long now = clock.getAsLong();
        LlmException error = crash == null ? null : new LlmException("the scheduler's engine stopped: " + crash, crash);
        while (!waiting.isEmpty()) {
            ScheduledRequest request = waiting.poll();
            endNow(request.generation(), error, now);
            complete(request);
        }
        for (int i = 0; i < active.size(); i++) {
            endNow(active.get(i), error, now);
        }
        retireEnded(now, false);
        try {
            processor.close();
        } catch (RuntimeException e) {
            log.warn("closing the batch processor failed", e);
        }
    }

    private static void endNow(Generation generation, LlmException error, long now) {
        if (error != null) {
            generation.fail(error, now);
        } else {
            generation.stop(FinishReason.CANCELLED, now);
        }
    }
}
