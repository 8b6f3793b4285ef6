package dev.jvmllm.scheduler.internal;

import dev.jvmllm.api.SchedulerMetrics;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind {@link SchedulerMetrics}. Counters that submitting threads touch are
 * {@link LongAdder}s; the histograms and gauges are written only by the thread that drives the
 * generations (the engine thread, or the caller of the direct path) and read by anyone, so they
 * are plain atomics with a single writer: a token costs a few stores, never a lock. The buckets
 * are vLLM's, so dashboards made for it read these too.
 */
public final class SchedulerStats {
    /** vLLM's buckets of time to first token, in seconds. */
    static final double[] FIRST_TOKEN_SECONDS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0,
            2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
    /** vLLM's buckets of inter-token latency, in seconds. */
    static final double[] TOKEN_GAP_SECONDS = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5,
            5.0, 7.5, 10.0, 20.0, 40.0, 80.0};
    /** vLLM's buckets of whole-request times (end to end, queue), in seconds. */
    static final double[] REQUEST_SECONDS = {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0,
            60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
    /** Tokens per request: 1, 2, 5 and their powers of ten, up to a million. */
    static final double[] TOKEN_COUNTS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000,
            50_000, 100_000, 200_000, 500_000, 1_000_000};

    private final LongAdder submitted = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder finished = new LongAdder();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder generatedTokens = new LongAdder();
    private final LongAdder steps = new LongAdder();
    private final LongAdder prefixCacheQueried = new LongAdder();
    private final LongAdder prefixCacheHits = new LongAdder();
    private final Recorder queueTime = new Recorder(REQUEST_SECONDS);
    private final Recorder timeToFirstToken = new Recorder(FIRST_TOKEN_SECONDS);
    private final Recorder interTokenLatency = new Recorder(TOKEN_GAP_SECONDS);
    private final Recorder endToEndLatency = new Recorder(REQUEST_SECONDS);
    private final Recorder requestPromptTokens = new Recorder(TOKEN_COUNTS);
    private final Recorder requestGeneratedTokens = new Recorder(TOKEN_COUNTS);
    private volatile long kvCacheTokens;
    private volatile long kvCacheCapacity;

    public void requestSubmitted() {
        submitted.increment();
    }

    public void requestRejected() {
        rejected.increment();
    }

    public void requestFinished() {
        finished.increment();
    }

    public void promptTokensProcessed(int count) {
        promptTokens.add(count);
    }

    /** A prompt of {@code promptTokens} was looked up in the prefix cache, and {@code hitTokens} of them were there. */
    public void prefixCacheQueried(int promptTokens, int hitTokens) {
        prefixCacheQueried.add(promptTokens);
        prefixCacheHits.add(hitTokens);
    }

    /** The tokens the KV cache holds now, and how many it can hold. */
    public void kvCache(long tokens, long capacity) {
        kvCacheTokens = tokens;
        kvCacheCapacity = capacity;
    }

    public void stepRun() {
        steps.increment();
    }

    /** How many forward passes ran so far. */
    public long steps() {
        return steps.sum();
    }

    void tokenGenerated() {
        generatedTokens.increment();
    }

    void queued(long nanos) {
        queueTime.record(nanos / 1e9);
    }

    void firstToken(long nanos) {
        timeToFirstToken.record(nanos / 1e9);
    }

    void nextToken(long nanos) {
        interTokenLatency.record(nanos / 1e9);
    }

    /** A request ended, however: its whole time, its prompt and what it generated. */
    void requestEnded(long nanos, int prompt, int generated) {
        endToEndLatency.record(nanos / 1e9);
        requestPromptTokens.record(prompt);
        requestGeneratedTokens.record(generated);
    }

    /** A snapshot with the two gauges the owner knows. */
    public SchedulerMetrics snapshot(int queueDepth, int activeSequences) {
        return new SchedulerMetrics(queueDepth, activeSequences, submitted.sum(), rejected.sum(), finished.sum(),
                promptTokens.sum(), generatedTokens.sum(), steps.sum(), prefixCacheQueried.sum(), prefixCacheHits.sum(),
                kvCacheTokens, kvCacheCapacity, queueTime.snapshot(), timeToFirstToken.snapshot(),
                interTokenLatency.snapshot(), endToEndLatency.snapshot(), requestPromptTokens.snapshot(),
                requestGeneratedTokens.snapshot());
    }

    /** Counts per bucket, sum and maximum of one quantity; one writer thread at a time, any number of readers. */
    private static final class Recorder {
        private final double[] bounds;
        private final AtomicLongArray counts;
        private volatile double sum;
        private volatile double max;

        Recorder(double[] bounds) {
            this.bounds = bounds;
            this.counts = new AtomicLongArray(bounds.length + 1);
        }

        void record(double value) {
            double observed = Math.max(0, value);
            int found = Arrays.binarySearch(bounds, observed);
            // a value on a bound belongs to that bound's bucket (upper bounds are inclusive)
            int bucket = found >= 0 ? found : -found - 1;
            counts.lazySet(bucket, counts.get(bucket) + 1);
            sum += observed;
            if (observed > max) {
                max = observed;
            }
        }

        SchedulerMetrics.Histogram snapshot() {
            long[] copy = new long[counts.length()];
            for (int i = 0; i < copy.length; i++) {
                copy[i] = counts.get(i);
            }
            return new SchedulerMetrics.Histogram(bounds, copy, sum, max);
        }
    }
}
