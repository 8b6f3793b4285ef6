package dev.jvmllm.scheduler;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationListener;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerClosedException;
import dev.jvmllm.api.SchedulerMetrics;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.scheduler.internal.Engine;
import dev.jvmllm.scheduler.internal.GenerationFactory;
import dev.jvmllm.scheduler.internal.SchedulerStats;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The default {@link Scheduler}: iteration-level (continuous) batching, as in Orca and vLLM. One
 * engine thread forms a batch every step from all active sequences: the next token of every
 * decoding sequence first, then chunks of new prompts within {@link SchedulerOptions#maxBatchTokens()},
 * so a long prompt never stalls the others. Requests are admitted between steps as sequences
 * free up, and a finished, cancelled or timed-out request frees its sequence before the next
 * step. Obtain one with {@code Schedulers.create(model, options)} or construct it directly.
 *
 * <p>{@link #submit} validates the request on the caller's thread, then only posts it: it never
 * waits for the engine. Listener events and the future's completion happen on the engine thread
 * (so dependent stages added with the non-async {@code CompletableFuture} methods run there too).
 */
public final class ContinuousBatchingScheduler implements Scheduler {
    private final Model model;
    private final SchedulerOptions options;
    private final GenerationFactory generations;
    private final Engine engine;
    private final Thread engineThread;
    private final int contextSize;
    private final int maxSequences;
    private final int maxQueued;

    /**
     * Creates the model's batch processor ({@link SchedulerOptions#processorOptions()}) and starts
     * the engine thread. The scheduler owns the processor; the model stays the caller's.
     */
    public ContinuousBatchingScheduler(Model model, SchedulerOptions options) {
        this(model, options, System::nanoTime);
    }

    /** With another clock than {@link System#nanoTime()}: tests move time by hand. */
    ContinuousBatchingScheduler(Model model, SchedulerOptions options, LongSupplier clock) {
        this.model = Objects.requireNonNull(model, "model");
        this.options = Objects.requireNonNull(options, "options");
        SchedulerStats stats = new SchedulerStats();
        BatchProcessor processor = model.newBatchProcessor(options.processorOptions());
        try {
            this.contextSize = processor.options().contextSize();
            this.maxSequences = processor.options().maxSequences();
            this.maxQueued = options.maxQueued();
            this.generations = new GenerationFactory(model, contextSize, stats, clock);
            this.engine = new Engine(processor, options.maxQueued(), options.idleSpin(), options.stepOrder(), options.prefixCache(),
                    stats, clock);
        } catch (RuntimeException e) {
            processor.close(); // until the engine runs, the processor is ours to clean up
            throw e;
        }
        // a daemon: a scheduler the application forgot to close must not keep the JVM alive
        this.engineThread = Thread.ofPlatform()
                .name("jvmllm-engine-" + model.info().name())
                .daemon(true)
                .start(engine);
    }

    @Override
    public GenerationHandle submit(GenerationRequest request, GenerationListener listener) {
        return submitChoices(request, List.of(listener)).getFirst();
    }

    /**
     * {@inheritDoc} Here the prompt is computed once: the first choice computes it, and when its
     * last prompt token is computed the others get a copy of its KV cache and sample their first
     * token from the same logits, so the metrics count its prompt tokens once. The choices are
     * admitted together, when as many sequences are free.
     */
    @Override
    public List<GenerationHandle> submitChoices(GenerationRequest request, List<GenerationListener> listeners) {
        Objects.requireNonNull(request, "request");
        Scheduler.checkChoices(listeners.size(), maxSequences);
        if (engine.isClosed()) {
            // checked before tokenizing too: after shutdown the model may already be closed
            throw new SchedulerClosedException("the scheduler is shut down and accepts no more requests");
        }
        Duration timeout = request.timeout().orElseGet(() -> options.defaultTimeout(request.sampling().maxTokens()));
        return engine.submit(generations.createChoices(request, listeners, timeout));
    }

    @Override
    public Model model() {
        return model;
    }

    @Override
    public int contextSize() {
        return contextSize;
    }

    @Override
    public int maxSequences() {
        return maxSequences;
    }

    @Override
    public int maxQueued() {
        return maxQueued;
    }

    @Override
    public SchedulerMetrics metrics() {
        return engine.metrics();
    }

    /**
     * {@inheritDoc} Called from a listener (the engine thread itself), it starts the shutdown
     * and returns without waiting.
     */
    @Override
    public void shutdown(Duration grace) {
        engine.shutdown(grace);
        if (Thread.currentThread() != engineThread) {
            joinUninterruptibly(engineThread);
        }
    }

    /** The engine thread, for tests that check it is idle. */
    Thread engineThread() {
        return engineThread;
    }

    static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
