package dev.jvmllm.examples.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static dev.jvmllm.examples.bench.BenchCommand.BATCHED;

/**
 * The ratios the project promises, each against its floor, and those it only reports. Each
 * configuration's serving rows compare with its direct rows on the scheduler's cache, so that they
 * measure what the serving layers cost; the peer with our direct rows on its cache and threads (in
 * the same process); the two llama.cpp libraries with each other on the same threads (each in a
 * process of its own, as the ratio of their medians).
 */
final class Checks {
    /** What a single stream's serving layers may add to a request: thread wake-ups, HTTP. */
    private static final double FIXED_COST_MILLIS = 1.00;

    private Checks() {
    }

    /** The checks of every configuration, then those across libraries, then the peer's; each where its rows ran. */
    static List<Check> of(BenchRows rows) {
        List<Configuration> configurations = rows.configurations();
        List<Check> checks = new ArrayList<>();
        for (Configuration configuration : configurations) {
            withinConfiguration(rows, configuration, checks);
        }
        for (Configuration perSequence : configurations) {
            for (Configuration unified : configurations) {
                if (perSequence.perSequenceKvCache() && unified.unifiedKvCache()
                        && perSequence.threads() == unified.threads()) {
                    acrossProcesses("[" + Configuration.threadsLabel(perSequence.threads()) + "] ",
                            rows.find(perSequence, DirectPath.PATH, BATCHED, BATCHED), " " + perSequence.library(),
                            rows.find(unified, DirectPath.PATH, BATCHED, BATCHED), " " + unified.library(),
                            new Floor.AtLeast(1.5), checks);
                }
            }
        }
        for (Configuration configuration : configurations) {
            againstPeer(rows, configuration, checks);
        }
        return checks;
    }

    private static void withinConfiguration(BenchRows rows, Configuration c, List<Check> checks) {
        String prefix = c.label() + " ";
        BenchRow direct1 = rows.find(c, DirectPath.PATH, 1, 1);
        BenchRow direct1Batched = rows.find(c, DirectPath.PATH, 1, BATCHED);
        BenchRow direct8 = rows.find(c, DirectPath.PATH, BATCHED, BATCHED);
        BenchRow scheduled8 = rows.find(c, ScheduledPath.PATH, BATCHED, BATCHED);
        for (String path : List.of(ScheduledPath.PATH, HttpPath.PATH, HttpPath.STREAM_PATH)) {
            add(prefix, rows.find(c, path, 1, BATCHED), direct1Batched, new Floor.AtMostMillis(FIXED_COST_MILLIS),
                    checks);
        }
        add(prefix, scheduled8, direct8, new Floor.AtLeast(0.90), checks);
        for (String path : List.of(HttpPath.PATH, HttpPath.STREAM_PATH)) {
            add(prefix, rows.find(c, path, BATCHED, BATCHED), scheduled8, new Floor.AtLeast(0.90), checks);
        }
        BenchRow bestSingle = bestSingleStream(rows, c.library());
        if (bestSingle != null && bestSingle.configuration().equals(c)) {
            add(prefix, direct8, "", bestSingle, ", the best x1 of this library", batchingFloor(c), checks);
        } else if (bestSingle != null) {
            acrossProcesses(prefix, direct8, "", bestSingle, " on " + bestSingle.configuration().threadsLabel()
                    + ", the best x1 of this library", batchingFloor(c), checks);
        }
        add(prefix, direct1Batched, direct1, new Floor.None("the cost of the larger cache"), checks);
    }

    /**
     * The fastest one-stream direct row of a library, on any cache and thread count: what batching
     * must beat is the best a single stream can do, not a single stream on the batch's threads.
     */
    private static BenchRow bestSingleStream(BenchRows rows, String library) {
        return rows.rows().stream()
                .filter(r -> r.library().equals(library) && r.path().equals(DirectPath.PATH) && r.concurrency() == 1)
                .max(Comparator.comparingDouble(BenchRow::tokensPerSecond)).orElse(null);
    }

    /** What batching 8 streams gains over the faster single stream, where it is promised. */
    private static Floor batchingFloor(Configuration c) {
        if (c.unifiedKvCache()) {
            return new Floor.None("on a unified KV cache every stream attends over all streams' cells");
        }
        if (!c.perSequenceKvCache()) {
            return new Floor.None("promised for llama.cpp's per-sequence KV cache only");
        }
        return c.threads() >= 2 ? new Floor.AtLeast(2.2) : new Floor.None("promised on two threads or more");
    }

    /**
     * Our direct rows against the peer on the same threads. The floors hold where both run the
     * same llama.cpp build; against another library the ratio also measures the library.
     */
    private static void againstPeer(BenchRows rows, Configuration c, List<Check> checks) {
        Configuration peer = Configuration.of(PeerPath.LIBRARY, c.threads(), Configuration.UNIFIED);
        boolean sameBuild = c.library().equals(PeerPath.LLAMA_CPP);
        Floor.None otherBuild = new Floor.None("the peer runs " + PeerPath.LLAMA_CPP);
        String prefix = c.label() + " ";
        BenchRow direct1 = rows.find(c, DirectPath.PATH, 1, 1);
        BenchRow direct8 = rows.find(c, DirectPath.PATH, BATCHED, BATCHED);
        BenchRow peer1 = rows.find(peer, PeerPath.PATH, 1, 1);
        BenchRow peer8 = rows.find(peer, PeerPath.PATH, BATCHED, BATCHED);
        if (c.equals(rows.peerBase(c.threads()))) { // the peer ran in this configuration's process
            add(prefix, direct1, "", peer1, "", sameBuild ? new Floor.AtLeast(1.0) : otherBuild, checks);
            add(prefix, direct8, "", peer8, "", sameBuild ? new Floor.AtLeast(2.5) : otherBuild, checks);
        } else {
            acrossProcesses(prefix, direct1, "", peer1, "", otherBuild, checks);
            acrossProcesses(prefix, direct8, "", peer8, "", otherBuild, checks);
        }
    }

    private static void add(String prefix, BenchRow row, BenchRow base, Floor floor, List<Check> checks) {
        add(prefix, row, "", base, "", floor, checks);
    }

    /** Adds row / base where both ran (measured beside each other), named by the prefix and their labels with what follows each. */
    private static void add(String prefix, BenchRow row, String rowSuffix, BenchRow base,
                            String baseSuffix, Floor floor, List<Check> checks) {
        if (row == null || base == null) {
            return;
        }
        String name = prefix + row.label() + rowSuffix + " / " + base.label() + baseSuffix;
        // two one-stream rows compare request by request; rounds of 8 streams have no one-to-one requests
        double extraMillis = row.concurrency() == 1 && base.concurrency() == 1
                ? row.pairedExtraMillisPerRequest(base) : Double.NaN;
        checks.add(new Check(name, row.pairedRatio(base), extraMillis, floor));
    }

    /** Adds row / base of two configurations, which ran in processes of their own: the ratio of their medians. */
    private static void acrossProcesses(String prefix, BenchRow row, String rowSuffix, BenchRow base, String baseSuffix,
                                        Floor floor, List<Check> checks) {
        if (row != null && base != null) {
            checks.add(new Check(prefix + row.label() + rowSuffix + " / " + base.label() + baseSuffix,
                    row.medianRatio(base), Double.NaN, floor));
        }
    }

    /**
     * One line under the table.
     *
     * @param ratio the row's tokens/s against the base's, run by run ({@link BenchRow#pairedRatio})
     * @param extraMillis how much longer a request of the row took than one of the base; NaN
     *                    unless both run one stream
     */
    record Check(String name, double ratio, double extraMillis, Floor floor) {
        /** The line: name, ratio, floor, verdict, and the extra time where requests compare one to one. */
        String format(int nameWidth) {
            String perRequest = Double.isNaN(extraMillis) ? "" : String.format("  %+.2f ms a request", extraMillis);
            String verdict = passes() ? "ok" : "BELOW";
            String promise = switch (floor) {
                case Floor.None none -> "(no floor: " + none.why() + ")";
                case Floor.AtLeast atLeast -> String.format("(floor %.2fx) %-5s", atLeast.ratio(), verdict);
                case Floor.AtMostMillis atMost -> String.format("(at most %+.2f ms a request) %-5s", atMost.millis(),
                        verdict);
            };
            return String.format("%-" + nameWidth + "s %6.2fx  %s%s", name, ratio, promise, perRequest).stripTrailing();
        }

        /** Whether it keeps its floor; one without a floor promises nothing and always does. */
        boolean passes() {
            return switch (floor) {
                case Floor.None _ -> true;
                case Floor.AtLeast atLeast -> ratio >= atLeast.ratio();
                case Floor.AtMostMillis atMost -> extraMillis <= atMost.millis();
            };
        }
    }

    /** What a check promises. */
    sealed interface Floor {
        /** The ratio is at least this. */
        record AtLeast(double ratio) implements Floor {
        }

        /** A request of the row takes at most this many milliseconds longer than one of the base (both one stream). */
        record AtMostMillis(double millis) implements Floor {
        }

        /** Reported, not promised. */
        record None(String why) implements Floor {
        }
    }
}
