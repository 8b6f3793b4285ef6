package dev.jvmllm.examples.soak;

import java.util.List;
import java.util.Map;

/**
 * What a soak found: the rows it printed, every request by outcome, the process before and after
 * the load, the server after it, and why it failed, if it did.
 *
 * @param model the model's name
 * @param clients the steady clients (bursts come on top)
 * @param rows the table, one row per report and the last after the load
 * @param requestsSent requests the clients sent; each is in exactly one class of {@code counts}
 * @param counts the requests by outcome
 * @param baselineThreads live platform threads after the warm-up, before the load
 * @param endThreads the same after the load, once settled
 * @param baselineDescriptors open file descriptors after the warm-up
 * @param endDescriptors the same after the load, once settled
 * @param newThreads threads alive at the end that were not at the baseline
 * @param newDescriptors descriptors open at the end that were not at the baseline, with their targets
 * @param settleSeconds how long threads and descriptors took to come back after the load
 * @param rssMarkSeconds when into the load {@code rssAtMarkBytes} was read
 * @param rssAtMarkBytes resident memory at that mark
 * @param rssEndBytes resident memory at the end
 * @param server the scheduler and HTTP gauges after the load
 * @param failures why the soak failed; empty when it passed
 */
public record SoakReport(String model, int clients, List<Row> rows, long requestsSent, SoakCounts counts,
                         int baselineThreads, int endThreads, int baselineDescriptors, int endDescriptors,
                         List<String> newThreads, List<String> newDescriptors, double settleSeconds,
                         double rssMarkSeconds, long rssAtMarkBytes, long rssEndBytes, ServerState server,
                         List<String> failures) {

    public boolean passed() {
        return failures.isEmpty();
    }

    /** Resident memory at the end against the mark, as a fraction: 0.01 is 1 % more. */
    public double rssGrowth() {
        return (double) (rssEndBytes - rssAtMarkBytes) / rssAtMarkBytes;
    }

    /**
     * One row of the table.
     *
     * @param kvBytes {@code kvTokens} times the bytes a token takes; -1 where the model's size per token is unknown
     */
    public record Row(double elapsedSeconds, long requests, long succeeded, Map<Integer, Long> refused, long cancelled,
                      long lost, long rssBytes, long heapUsedBytes, long kvTokens, long kvBytes, int threads,
                      int descriptors) {
    }

    /**
     * The server once the load has stopped.
     *
     * @param httpInFlight {@code jvmllm_http_requests_in_flight} of {@code /metrics}
     */
    public record ServerState(int activeSequences, int queueDepth, long requestsSubmitted, long requestsFinished,
                              long kvCacheTokens, long kvCacheCapacityTokens, long httpInFlight) {
        boolean idle() {
            return activeSequences == 0 && queueDepth == 0 && requestsSubmitted == requestsFinished
                    && httpInFlight == 0;
        }
    }
}
