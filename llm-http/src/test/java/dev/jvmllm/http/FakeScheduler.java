package dev.jvmllm.http;

import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationListener;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerMetrics;
import dev.jvmllm.api.SchedulerMetrics.Histogram;
import dev.jvmllm.api.Timings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A scheduler that plays scripted generations on its own "engine" thread, as the real one calls
 * listeners from its loop. By default a generation emits the {@link #script} tokens (as many as
 * {@code max_tokens} allows) and finishes; in {@linkplain #manual manual} mode the test drives
 * each {@link Generation} itself. It records every request, and can refuse them.
 */
final class FakeScheduler implements Scheduler {
    /** The scripted tokens' texts; token i has id {@code 100 + i}. */
    static final List<String> SCRIPT = List.of("Once", " upon", " a", " time", ".");
    static final Timings TIMINGS = new Timings(Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(3));
    /** Histograms over two bounds: 1 at or below 0.1, 2 at or below 1, 3 above. */
    static final Histogram LATENCY = new Histogram(new double[] {0.1, 1.0}, new long[] {1, 2, 3}, 9.5, 4.0);
    static final SchedulerMetrics METRICS = new SchedulerMetrics(2, 3, 40, 5, 33, 700, 1200, 900, 650, 320, 1500, 4096,
            LATENCY, LATENCY, LATENCY, LATENCY, LATENCY, LATENCY);

    private final FakeModel model = new FakeModel();
    /** What {@link #metrics()} answers. */
    volatile SchedulerMetrics metrics = METRICS;
    private final ExecutorService engine = Executors.newSingleThreadExecutor(r -> new Thread(r, "fake-engine"));
    private final AtomicLong ids = new AtomicLong();
    /** Every accepted generation, in submit order. */
    final BlockingQueue<Generation> submitted = new LinkedBlockingQueue<>();
    /** When set, submit throws it. */
    volatile LlmException refusal;
    /** When true, generations wait for the test to emit their tokens and finish them. */
    volatile boolean manual;
    /** The texts of the tokens a generation plays when not manual. */
    volatile List<String> script = SCRIPT;

    @Override
    public GenerationHandle submit(GenerationRequest request, GenerationListener listener) {
        if (refusal != null) {
            throw refusal;
        }
        Generation generation = new Generation(ids.incrementAndGet(), request, listener);
        submitted.add(generation);
        if (!manual) {
            List<String> texts = script;
            int count = Math.min(texts.size(), request.sampling().maxTokens());
            for (int i = 0; i < count; i++) {
                generation.token(texts.get(i));
            }
            generation.finish(count == texts.size() ? FinishReason.END_OF_SEQUENCE : FinishReason.LENGTH);
        }
        return generation;
    }

    /** The next accepted generation, waiting for it. */
    Generation next() throws InterruptedException {
        return submitted.take();
    }

    @Override
    public Model model() {
        return model;
    }

    @Override
    public int contextSize() {
        return 128;
    }

    @Override
    public int maxSequences() {
        return 4;
    }

    @Override
    public int maxQueued() {
        return 8;
    }

    @Override
    public SchedulerMetrics metrics() {
        return metrics;
    }

    @Override
    public void shutdown(Duration grace) {
        engine.close();
    }

    /** One scripted generation; every event goes out on the engine thread, in call order. */
    final class Generation implements GenerationHandle {
        private final long id;
        final GenerationRequest request;
        private final GenerationListener listener;
        private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
        private final CountDownLatch cancelled = new CountDownLatch(1);
        private final List<Integer> tokens = new ArrayList<>();
        private final StringBuilder text = new StringBuilder();
        private boolean ended;

        Generation(long id, GenerationRequest request, GenerationListener listener) {
            this.id = id;
            this.request = request;
            this.listener = listener;
        }

        /** Emits a token with this text (id 100 + its index). */
        void token(String piece) {
            engine.execute(() -> {
                if (ended) {
                    return;
                }
                int index = tokens.size();
                tokens.add(100 + index);
                text.append(piece);
                listener.onEvent(new GenerationEvent.Token(index, 100 + index, piece));
            });
        }

        /** Ends it; the result's text is what the tokens said. */
        void finish(FinishReason reason) {
            engine.execute(() -> end(reason, text.toString()));
        }

        /** Ends it with a text longer than the tokens said, as when the end of the text was held back. */
        void finish(FinishReason reason, String resultText) {
            engine.execute(() -> end(reason, resultText));
        }

        void fail(LlmException error) {
            engine.execute(() -> {
                if (!ended) {
                    ended = true;
                    listener.onEvent(new GenerationEvent.Failed(error));
                    result.completeExceptionally(error);
                }
            });
        }

        private void end(FinishReason reason, String resultText) {
            if (ended) {
                return;
            }
            ended = true;
            int promptTokens = request.prompt().tokenize(model).length;
            GenerationResult done = new GenerationResult(resultText, tokens.stream().mapToInt(Integer::intValue).toArray(),
                    reason, promptTokens, TIMINGS);
            listener.onEvent(new GenerationEvent.Finished(done));
            result.complete(done);
        }

        /** Waits until the server cancels this generation. */
        void awaitCancel() throws InterruptedException {
            cancelled.await();
        }

        boolean isCancelled() {
            return cancelled.getCount() == 0;
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public CompletableFuture<GenerationResult> result() {
            return result;
        }

        @Override
        public void cancel() {
            cancelled.countDown();
            finish(FinishReason.CANCELLED);
        }
    }
}
