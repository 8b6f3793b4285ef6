package dev.jvmllm.scheduler.internal;

import dev.jvmllm.api.SchedulerMetrics;
import dev.jvmllm.api.SchedulerMetrics.LatencyStats;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind {@link SchedulerMetrics}. Counters that submitting threads touch are
 * {@link LongAdder}s; the latencies are written only by the thread that drives the generations
 * (the engine thread, or the caller of the direct path) and read by anyone, so they are plain
 * volatile fields with a single writer: a token costs a few stores, never a lock.
 */
public final class SchedulerStats {
    private final LongAdder submitted = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder finished = new LongAdder();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder generatedTokens = new LongAdder();
    private final LongAdder steps = new LongAdder();
    private final LongAdder prefixCacheQueried = new LongAdder();
    private final LongAdder prefixCacheHits = new LongAdder();
    private final Latency queueTime = new Latency();
    private final Latency timeToFirstToken = new Latency();
    private final Latency interTokenLatency = new Latency();

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
        queueTime.record(nanos);
    }

    void firstToken(long nanos) {
        timeToFirstToken.record(nanos);
    }

    void nextToken(long nanos) {
        interTokenLatency.record(nanos);
    }

    /** A snapshot with the two gauges the owner knows. */
    public SchedulerMetrics snapshot(int queueDepth, int activeSequences) {
        return new SchedulerMetrics(queueDepth, activeSequences, submitted.sum(), rejected.sum(), finished.sum(),
                promptTokens.sum(), generatedTokens.sum(), steps.sum(), prefixCacheQueried.sum(), prefixCacheHits.sum(),
                queueTime.snapshot(), timeToFirstToken.snapshot(), interTokenLatency.snapshot());
    }

    /** Count, sum and maximum of one latency; one writer thread at a time, any number of readers. */
    private static final class Latency {
        private static final double NANOS_PER_SECOND = 1e9;
        private volatile long count;
        private volatile long sumNanos;
        private volatile long maxNanos;

        void record(long nanos) {
            long value = Math.max(0, nanos);
            sumNanos += value;
            if (value > maxNanos) {
                maxNanos = value;
            }
            count++;
        }

        LatencyStats snapshot() {
            long n = count;
            return n == 0 ? LatencyStats.EMPTY
                    : new LatencyStats(n, sumNanos / NANOS_PER_SECOND, maxNanos / NANOS_PER_SECOND);
        }
    }
}
