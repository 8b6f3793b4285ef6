package dev.jvmllm.scheduler;

import dev.jvmllm.api.EmbeddingModel;
import dev.jvmllm.api.EmbeddingScheduler;
import dev.jvmllm.api.QueueFullException;
import dev.jvmllm.api.SchedulerClosedException;
import dev.jvmllm.spi.EmbeddingInputs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Gathers the embedding requests of many callers into shared forward passes of one
 * {@link EmbeddingModel}. One thread runs the model; while it runs a pass, new requests queue,
 * and the next pass takes all of them (up to {@link EmbeddingModel#maxBatchInputs()} inputs;
 * a larger request goes alone and the model splits it). Nothing waits for a batch to fill: a
 * request that finds the model idle runs at once, so batching costs a lone caller nothing.
 *
 * <p>Inputs are checked when they are submitted, so a bad request fails alone and never the
 * pass it would have shared.
 */
public final class EmbeddingBatcher implements EmbeddingScheduler {
    private static final Logger log = LoggerFactory.getLogger(EmbeddingBatcher.class);
    /** The inputs that may wait, by default: a few seconds of work for a small encoder. */
    public static final int DEFAULT_MAX_QUEUED_INPUTS = 8192;

    /** One caller's inputs and where their embeddings go. */
    private record Request(List<int[]> inputs, CompletableFuture<List<float[]>> result) {
    }

    private final EmbeddingModel model;
    private final int maxQueuedInputs;
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    private final Thread worker;
    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong inputs = new AtomicLong();
    private final AtomicLong tokens = new AtomicLong();
    private int queuedInputs;
    private boolean closed;

    private EmbeddingBatcher(EmbeddingModel model, int maxQueuedInputs) {
        this.model = model;
        this.maxQueuedInputs = maxQueuedInputs;
        this.worker = Thread.ofPlatform().name("llm-embeddings").daemon().unstarted(this::run);
    }

    /** Starts a batcher over the model, with {@value #DEFAULT_MAX_QUEUED_INPUTS} inputs allowed to wait. */
    public static EmbeddingBatcher start(EmbeddingModel model) {
        return start(model, DEFAULT_MAX_QUEUED_INPUTS);
    }

    /**
     * Starts a batcher over the model. The batcher does not own the model: close the model after
     * the batcher.
     *
     * @param maxQueuedInputs how many inputs may wait for the model before submissions are refused
     */
    public static EmbeddingBatcher start(EmbeddingModel model, int maxQueuedInputs) {
        Objects.requireNonNull(model, "model");
        if (maxQueuedInputs < 1) {
            throw new IllegalArgumentException("maxQueuedInputs must be at least 1, got " + maxQueuedInputs);
        }
        EmbeddingBatcher batcher = new EmbeddingBatcher(model, maxQueuedInputs);
        batcher.worker.start();
        return batcher;
    }

    @Override
    public EmbeddingModel model() {
        return model;
    }

    /** {@inheritDoc} Refused with {@link QueueFullException} while {@code maxQueuedInputs} wait. */
    @Override
    public CompletableFuture<List<float[]>> submit(List<int[]> request) {
        EmbeddingInputs.check(request, model.vocabularySize(), model.maxInputTokens());
        Request queued = new Request(List.copyOf(request), new CompletableFuture<>());
        synchronized (queue) {
            if (closed) {
                throw new SchedulerClosedException("the embedding batcher is closed");
            }
            if (queuedInputs > 0 && queuedInputs + request.size() > maxQueuedInputs) {
                throw new QueueFullException(queuedInputs + " inputs are waiting for " + model.info().name()
                        + " (at most " + maxQueuedInputs + "); retry shortly");
            }
            queue.add(queued);
            queuedInputs += request.size();
            queue.notifyAll();
        }
        return queued.result();
    }

    @Override
    public long passes() {
        return passes.get();
    }

    @Override
    public long inputs() {
        return inputs.get();
    }

    @Override
    public long tokens() {
        return tokens.get();
    }

    @Override
    public void close() {
        synchronized (queue) {
            closed = true;
            queue.notifyAll();
        }
        if (Thread.currentThread() != worker) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        while (true) {
            List<Request> batch = next();
            if (batch.isEmpty()) {
                return;
            }
            List<int[]> all = new ArrayList<>();
            batch.forEach(request -> all.addAll(request.inputs()));
            try {
                List<float[]> embeddings = model.embed(all);
                passes.incrementAndGet();
                inputs.addAndGet(all.size());
                tokens.addAndGet(all.stream().mapToLong(input -> input.length).sum());
                int from = 0;
                for (Request request : batch) {
                    int to = from + request.inputs().size();
                    request.result().complete(List.copyOf(embeddings.subList(from, to)));
                    from = to;
                }
            } catch (RuntimeException e) {
                log.warn("an embedding pass of {} inputs failed: {}", all.size(), e.toString());
                batch.forEach(request -> request.result().completeExceptionally(e));
            }
        }
    }

    /** The requests of the next pass; empty once closed and drained. */
    private List<Request> next() {
        synchronized (queue) {
            while (queue.isEmpty() && !closed) {
                try {
                    queue.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    closed = true;
                }
            }
            List<Request> batch = new ArrayList<>();
            int count = 0;
            while (!queue.isEmpty() && (batch.isEmpty()
                    || count + queue.peek().inputs().size() <= model.maxBatchInputs())) {
                Request request = queue.poll();
                batch.add(request);
                count += request.inputs().size();
            }
            queuedInputs -= count;
            return batch;
        }
    }
}
