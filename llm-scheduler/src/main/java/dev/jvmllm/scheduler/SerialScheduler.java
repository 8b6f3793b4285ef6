package dev.jvmllm.scheduler;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationListener;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.QueueFullException;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerClosedException;
import dev.jvmllm.api.SchedulerMetrics;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.scheduler.internal.Generation;
import dev.jvmllm.scheduler.internal.GenerationFactory;
import dev.jvmllm.scheduler.internal.ResultFuture;
import dev.jvmllm.scheduler.internal.SchedulerStats;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A scheduler that runs one request at a time, first come first served, with the
 * {@link DirectGenerator} on a worker thread: no batching. It exists to show what the
 * {@link dev.jvmllm.spi.SchedulerProvider SPI} asks of an implementation, and as a reference for
 * the continuous-batching one. Deadlines, cancellation, the bounded queue and shutdown behave as
 * in {@link ContinuousBatchingScheduler}, with one sequence ({@link SchedulerOptions#maxSequences()}
 * is ignored).
 */
public final class SerialScheduler implements Scheduler {
    private static final Job END_OF_WORK = new Job(0, null);

    private final Model model;
    private final SchedulerOptions options;
    private final BatchProcessor processor;
    private final DirectGenerator generator;
    private final SchedulerStats stats = new SchedulerStats();
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final Object admission = new Object(); // orders every job before END_OF_WORK
    private final Thread worker;
    private volatile boolean closed;
    private volatile long graceDeadline;
    private volatile boolean graceSet;
    private volatile boolean busy;

    /** Creates a one-sequence processor and starts the worker thread. The model stays the caller's. */
    public SerialScheduler(Model model, SchedulerOptions options) {
        this.model = Objects.requireNonNull(model, "model");
        this.options = Objects.requireNonNull(options, "options");
        this.processor = model.newBatchProcessor(options.processorOptions().withMaxSequences(1));
        this.generator = new DirectGenerator(processor, stats);
        this.worker = Thread.ofPlatform().name("jvmllm-serial-" + model.info().name()).daemon(true).start(this::work);
    }

    @Override
    public GenerationHandle submit(GenerationRequest request, GenerationListener listener) {
        Objects.requireNonNull(request, "request");
        if (closed) {
            throw closedException();
        }
        Duration timeout = request.timeout().orElseGet(() -> options.defaultTimeout(request.sampling().maxTokens()));
        Generation generation = generator.prepare(request, listener, timeout);
        Job job;
        synchronized (admission) {
            if (closed) {
                throw closedException();
            }
            if (accepted.get() > options.maxQueued()) {
                stats.requestRejected();
                throw new QueueFullException("the scheduler is full: one request is generating and "
                        + options.maxQueued() + " are waiting; retry later");
            }
            accepted.incrementAndGet();
            job = new Job(ids.incrementAndGet(), generation);
            queue.add(job);
        }
        stats.requestSubmitted();
        return job;
    }

    private void work() {
        try {
            for (Job job = take(); job != END_OF_WORK; job = take()) {
                run(job);
            }
        } finally {
            synchronized (admission) {
                closed = true;
            }
            // empty after a clean shutdown; after an interrupt, requests may wait: end them so no future hangs
            for (Job job = queue.poll(); job != null; job = queue.poll()) {
                if (job != END_OF_WORK) {
                    complete(job, "the serial scheduler stopped");
                }
            }
            processor.close();
        }
    }

    private void run(Job job) {
        busy = true;
        try {
            generator.run(new Generation[] {job.generation}, () -> job.cancelled || graceOver());
        } finally {
            busy = false;
            complete(job, "the serial scheduler's worker failed");
        }
    }

    /** Ends the job if it has not ended (with a failure saying why), then completes its future. */
    private void complete(Job job, String failure) {
        if (!job.generation.isEnded()) {
            job.generation.fail(new LlmException(failure), System.nanoTime());
        }
        accepted.decrementAndGet();
        stats.requestFinished();
        job.future.completeWith(job.generation);
    }

    private Job take() {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return END_OF_WORK;
        }
    }

    private boolean graceOver() {
        return graceSet && System.nanoTime() - graceDeadline >= 0;
    }

    @Override
    public Model model() {
        return model;
    }

    @Override
    public int contextSize() {
        return processor.options().contextSize();
    }

    /** One: it runs one request at a time. */
    @Override
    public int maxSequences() {
        return 1;
    }

    @Override
    public SchedulerMetrics metrics() {
        int running = busy ? 1 : 0;
        return stats.snapshot(Math.max(0, accepted.get() - running), running);
    }

    @Override
    public void shutdown(Duration grace) {
        long deadline = System.nanoTime() + GenerationFactory.cappedNanos(grace);
        synchronized (admission) {
            // a second call may shorten the grace, never extend it
            if (!graceSet || deadline - graceDeadline < 0) {
                graceDeadline = deadline;
                graceSet = true;
            }
            if (!closed) {
                closed = true;
                queue.add(END_OF_WORK);
            }
        }
        if (Thread.currentThread() != worker) {
            ContinuousBatchingScheduler.joinUninterruptibly(worker);
        }
    }

    private static SchedulerClosedException closedException() {
        return new SchedulerClosedException("the scheduler is shut down and accepts no more requests");
    }

    /** A queued or running request and its handle. */
    private static final class Job implements GenerationHandle {
        private final long id;
        private final Generation generation;
        private final ResultFuture future = new ResultFuture(this::cancel);
        private volatile boolean cancelled;

        Job(long id, Generation generation) {
            this.id = id;
            this.generation = generation;
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public CompletableFuture<GenerationResult> result() {
            return future;
        }

        /** Seen by the worker before its next step; a queued job ends as soon as the worker reaches it. */
        @Override
        public void cancel() {
            cancelled = true;
        }
    }
}
