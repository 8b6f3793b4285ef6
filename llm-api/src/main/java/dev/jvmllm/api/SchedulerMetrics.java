package dev.jvmllm.api;

import java.util.Arrays;
import java.util.Objects;

/**
 * A snapshot of a scheduler's counters, for monitoring (the HTTP server exposes them at
 * {@code /metrics}, with names and buckets comparable to vLLM's). Counters only grow; gauges are
 * current values; histograms count observations per bucket.
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
 * @param kvCacheTokens gauge: tokens the KV cache holds, for running requests and cached prefixes
 * @param kvCacheCapacityTokens gauge: tokens the KV cache can hold (sequences times context)
 * @param queueTime seconds from submit to the first forward pass of the request
 * @param timeToFirstToken seconds from submit to the first generated token
 * @param interTokenLatency seconds between consecutive tokens of a request
 * @param endToEndLatency seconds from submit to the end of the request, whatever ended it
 * @param requestPromptTokens the prompt tokens of each ended request
 * @param requestGeneratedTokens the tokens each ended request generated
 */
public record SchedulerMetrics(int queueDepth, int activeSequences, long requestsSubmitted, long requestsRejected,
                               long requestsFinished, long promptTokens, long generatedTokens, long steps,
                               long prefixCacheQueriedTokens, long prefixCacheHitTokens, long kvCacheTokens,
                               long kvCacheCapacityTokens, Histogram queueTime, Histogram timeToFirstToken,
                               Histogram interTokenLatency, Histogram endToEndLatency, Histogram requestPromptTokens,
                               Histogram requestGeneratedTokens) {

    /**
     * Observations counted per bucket, in the Prometheus sense.
     *
     * @param upperBounds the buckets' inclusive upper bounds, ascending
     * @param counts observations per bucket: {@code upperBounds.length + 1} of them, the last one
     *               counting those above every bound
     * @param sum the sum of the observations
     * @param max the largest observation; 0 before the first
     */
    public record Histogram(double[] upperBounds, long[] counts, double sum, double max) {
        public Histogram {
            upperBounds = Objects.requireNonNull(upperBounds, "upperBounds").clone();
            counts = Objects.requireNonNull(counts, "counts").clone();
            if (counts.length != upperBounds.length + 1) {
                throw new IllegalArgumentException("a histogram of " + upperBounds.length + " bounds has "
                        + (upperBounds.length + 1) + " counts, got " + counts.length);
            }
        }

        /** No observations, over these bounds. */
        public static Histogram empty(double[] upperBounds) {
            return new Histogram(upperBounds, new long[upperBounds.length + 1], 0, 0);
        }

        @Override
        public double[] upperBounds() {
            return upperBounds.clone();
        }

        @Override
        public long[] counts() {
            return counts.clone();
        }

        /** How many observations. */
        public long count() {
            return Arrays.stream(counts).sum();
        }

        public double mean() {
            long count = count();
            return count == 0 ? 0 : sum / count;
        }
    }
}
