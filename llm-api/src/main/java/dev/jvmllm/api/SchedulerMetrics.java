package dev.jvmllm.api;

/**
 * A snapshot of a scheduler's counters, for monitoring (the HTTP server exposes them at
 * {@code /metrics}). Counters only grow; gauges are current values.
 *
 * @param queueDepth gauge: requests waiting for a sequence
 * @param activeSequences gauge: requests generating now
 * @param requestsSubmitted requests accepted by submit
 * @param requestsRejected requests refused because the queue was full
 * @param requestsFinished requests ended for any reason, failures included
 * @param promptTokens prompt tokens run through the model
 * @param generatedTokens tokens generated
 * @param steps forward passes run
 * @param prefixCacheQueriedTokens prompt tokens looked up in the prefix cache
 * @param prefixCacheHitTokens of those, the tokens a cached prefix held, which were not computed again
 * @param queueTime time from submit to the first forward pass of the request
 * @param timeToFirstToken time from submit to the first generated token
 * @param interTokenLatency time between consecutive tokens of a request
 */
public record SchedulerMetrics(int queueDepth, int activeSequences, long requestsSubmitted, long requestsRejected,
                               long requestsFinished, long promptTokens, long generatedTokens, long steps,
                               long prefixCacheQueriedTokens, long prefixCacheHitTokens, LatencyStats queueTime, LatencyStats timeToFirstToken, LatencyStats interTokenLatency) {

    /**
     * A latency summary in the Prometheus sense.
     *
     * @param count how many observations
     * @param sumSeconds their sum
     * @param maxSeconds the largest
     */
    public record LatencyStats(long count, double sumSeconds, double maxSeconds) {
        public static final LatencyStats EMPTY = new LatencyStats(0, 0, 0);

        public double meanSeconds() {
            return count == 0 ? 0 : sumSeconds / count;
        }
    }
}
