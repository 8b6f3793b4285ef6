package dev.jvmllm.examples.soak;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Every request of a soak, counted by what became of it; shared by the client threads. A request
 * is counted once, when its client has finished with it.
 */
final class Tally {
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder staleRetries = new LongAdder();
    private final ConcurrentMap<Integer, LongAdder> refused = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, LongAdder> lost = new ConcurrentHashMap<>();
    /** The first few lost requests in full, for the report. */
    private final ConcurrentMap<String, String> lostExamples = new ConcurrentHashMap<>();

    void count(Outcome outcome) {
        switch (outcome) {
            case Outcome.Succeeded s -> succeeded.increment();
            case Outcome.Refused r -> refused.computeIfAbsent(r.status(), s -> new LongAdder()).increment();
            case Outcome.Cancelled c -> cancelled.increment();
            case Outcome.Lost l -> {
                lost.computeIfAbsent(l.reason(), r -> new LongAdder()).increment();
                if (lostExamples.size() < 10) {
                    lostExamples.putIfAbsent(l.reason(), l.detail());
                }
            }
        }
    }

    /** A request sent again on a fresh connection because the kept one had been closed while idle. */
    void staleRetry() {
        staleRetries.increment();
    }

    SoakCounts snapshot() {
        return new SoakCounts(succeeded.sum(), sums(refused), cancelled.sum(), sums(lost), staleRetries.sum(),
                new TreeMap<>(lostExamples));
    }

    private static <K extends Comparable<K>> Map<K, Long> sums(Map<K, LongAdder> adders) {
        Map<K, Long> sums = new TreeMap<>();
        adders.forEach((key, adder) -> sums.put(key, adder.sum()));
        return sums;
    }
}
