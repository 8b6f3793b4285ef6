package dev.jvmllm.examples.soak;

import java.util.Map;

/**
 * A soak's requests by outcome, at one moment.
 *
 * @param succeeded 200 with a whole answer
 * @param refused by status: 400 and 404 for the deliberately bad requests, 429 and 503 with Retry-After
 * @param cancelled closed by their client on purpose before the answer ended
 * @param lost by reason: any other status, an I/O error, an incomplete answer, no answer in time
 * @param staleRetries requests sent again because a kept connection turned out closed before any answer
 * @param lostExamples one lost request per reason, described
 */
public record SoakCounts(long succeeded, Map<Integer, Long> refused, long cancelled, Map<String, Long> lost,
                         long staleRetries, Map<String, String> lostExamples) {
    public long refused(int status) {
        return refused.getOrDefault(status, 0L);
    }

    public long refusedTotal() {
        return refused.values().stream().mapToLong(Long::longValue).sum();
    }

    public long lostTotal() {
        return lost.values().stream().mapToLong(Long::longValue).sum();
    }

    public long total() {
        return succeeded + refusedTotal() + cancelled + lostTotal();
    }
}
