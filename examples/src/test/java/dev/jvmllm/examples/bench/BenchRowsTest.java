package dev.jvmllm.examples.bench;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The bench's arithmetic on made-up rows: per-request times, which row compares with which, the checks' floors. */
class BenchRowsTest {
    private static final Configuration B4916 = Configuration.of("llama.cpp b4916", 2, Configuration.UNIFIED);
    private static final Configuration CURRENT = Configuration.of("llama.cpp 0.5.0-dev", 2, Configuration.PER_SEQUENCE);
    private static final Configuration PEER = Configuration.of(PeerPath.LIBRARY, 2, Configuration.UNIFIED);

    private static BenchRow row(Configuration c, String path, int concurrency, int cache, long tokens,
                                Double... runTokensPerSecond) {
        return row(c, path, concurrency, cache, 1, tokens, runTokensPerSecond);
    }

    private static BenchRow row(Configuration c, String path, int concurrency, int cache, int rounds, long tokens,
                                Double... runTokensPerSecond) {
        double median = Stream.of(runTokensPerSecond).sorted().toList().get(runTokensPerSecond.length / 2);
        return new BenchRow(c.library(), c.threads(), c.decodeThreads(), c.kvCache(), path, "llamacpp", concurrency, cache, rounds, tokens,
                tokens / median, median, Double.NaN, Double.NaN, List.of(runTokensPerSecond));
    }

    /** Every row of one configuration, each at its tokens/s in a single run of one round, 10 tokens a request. */
    private static List<BenchRow> configuration(Configuration c, double direct1, double direct1Batched, double direct8,
                                                double scheduled1, double scheduled8) {
        return List.of(row(c, "direct", 1, 1, 10, direct1), row(c, "direct", 1, 8, 10, direct1Batched),
                row(c, "direct", 8, 8, 80, direct8), row(c, "scheduled", 1, 8, 10, scheduled1),
                row(c, "scheduled", 8, 8, 80, scheduled8));
    }

    private static List<BenchRow> concat(List<BenchRow> first, List<BenchRow> second) {
        List<BenchRow> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    private static Checks.Check check(List<Checks.Check> checks, String name) {
        return checks.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow(() ->
                new AssertionError("no check " + name + " in " + checks.stream().map(Checks.Check::name).toList()));
    }

    @Test
    void extraMillisPerRequestIsTheMedianOverRunsOfTheWallTimeDifferencePerRound() {
        BenchRow row = row(CURRENT, "http", 1, 8, 2, 80, 100.0, 50.0, 80.0); // 0.8 s, 1.6 s, 1.0 s
        BenchRow base = row(CURRENT, "direct", 1, 8, 2, 80, 200.0, 100.0, 100.0); // 0.4 s, 0.8 s, 0.8 s
        assertThat(row.pairedExtraMillisPerRequest(base)).isCloseTo(200, within(1e-9));
        assertThat(row.pairedRatio(base)).isCloseTo(0.5, within(1e-9));
    }

    @Test
    void servedRowsCompareWithTheDirectRowOfTheirConfigurationAndTheDirectRowsWithThemselves() {
        BenchRows rows = new BenchRows(concat(configuration(CURRENT, 100, 90, 400, 80, 360),
                configuration(B4916, 120, 100, 300, 50, 300))).comparedWithDirect();
        BenchRow scheduled = rows.find(CURRENT, "scheduled", 1, 8);
        assertThat(scheduled.vsDirect()).isCloseTo(80.0 / 90, within(1e-9));
        assertThat(scheduled.msPerRequestVsDirect()).isCloseTo((10 / 80.0 - 10 / 90.0) * 1000, within(1e-9));
        BenchRow direct = rows.find(B4916, "direct", 8, 8);
        assertThat(direct.vsDirect()).isEqualTo(1.0);
        assertThat(direct.msPerRequestVsDirect()).isZero();
        assertThat(rows.configurations()).containsExactly(CURRENT, B4916);
    }

    @Test
    void thePeerComparesWithItsOwnLlamaCppBuildOnItsThreadsWhereThatRan() {
        List<BenchRow> peer = List.of(row(PEER, "peer", 1, 1, 10, 60.0), row(PEER, "peer", 8, 8, 80, 120.0));
        List<BenchRow> both = concat(concat(configuration(CURRENT, 100, 90, 400, 80, 360),
                configuration(B4916, 120, 100, 300, 50, 300)), peer);
        BenchRows rows = new BenchRows(both).comparedWithDirect();
        assertThat(rows.find(PEER, "peer", 1, 1).vsDirect()).isCloseTo(60.0 / 120, within(1e-9));
        assertThat(rows.find(PEER, "peer", 8, 8).vsDirect()).isCloseTo(120.0 / 300, within(1e-9));

        List<Checks.Check> checks = Checks.of(rows);
        assertThat(check(checks, "[llama.cpp b4916, 2 threads] direct x1 / peer x1").floor())
                .isEqualTo(new Checks.Floor.AtLeast(1.0));
        assertThat(check(checks, "[llama.cpp b4916, 2 threads] direct x8 / peer x8").floor())
                .isEqualTo(new Checks.Floor.AtLeast(2.5));
        assertThat(check(checks, "[llama.cpp 0.5.0-dev, 2 threads] direct x8 / peer x8").floor())
                .isInstanceOf(Checks.Floor.None.class);

        BenchRows currentOnly = new BenchRows(concat(configuration(CURRENT, 100, 90, 400, 80, 360), peer))
                .comparedWithDirect();
        assertThat(currentOnly.find(PEER, "peer", 1, 1).vsDirect()).isCloseTo(60.0 / 100, within(1e-9));
    }

    @Test
    void aSingleStreamsServingLayersMayAddOneMillisecondARequest() {
        // 10 tokens a request: 100 tokens/s is 100 ms a request, 10 / 0.1011 s is 101.1 ms
        BenchRows rows = new BenchRows(configuration(CURRENT, 100, 100, 400, 10 / 0.1009, 360));
        Checks.Check cheap = check(Checks.of(rows), "[llama.cpp 0.5.0-dev, 2 threads] scheduled x1 (cache 8) / direct x1 (cache 8)");
        assertThat(cheap.extraMillis()).isCloseTo(0.9, within(1e-6));
        assertThat(cheap.passes()).isTrue();
        assertThat(cheap.format(cheap.name().length()))
                .endsWith("(cache 8)   0.99x  (at most +1.00 ms a request) ok     +0.90 ms a request");

        rows = new BenchRows(configuration(CURRENT, 100, 100, 400, 10 / 0.1011, 360));
        assertThat(check(Checks.of(rows), "[llama.cpp 0.5.0-dev, 2 threads] scheduled x1 (cache 8) / direct x1 (cache 8)")
                .passes()).isFalse();
    }

    @Test
    void batchingIsPromisedOnlyOnThePerSequenceCacheWithTwoThreadsOrMoreAgainstTheLibrarysBestSingleStream() {
        Configuration oneThread = Configuration.of(CURRENT.library(), 1, CURRENT.kvCache());
        BenchRows rows = new BenchRows(concat(configuration(CURRENT, 100, 110, 230, 100, 230),
                concat(configuration(oneThread, 100, 120, 200, 100, 200), configuration(B4916, 100, 110, 230, 100, 230))));
        List<Checks.Check> checks = Checks.of(rows);
        // against the best single stream of the library: here on one thread, on the cache for 8
        Checks.Check current = check(checks, "[llama.cpp 0.5.0-dev, 2 threads] direct x8 / direct x1 (cache 8) on 1 thread,"
                + " the best x1 of this library");
        assertThat(current.ratio()).isCloseTo(230.0 / 120, within(1e-9));
        assertThat(current.floor()).isEqualTo(new Checks.Floor.AtLeast(2.2));
        assertThat(current.passes()).isFalse();
        assertThat(check(checks, "[llama.cpp 0.5.0-dev, 1 thread] direct x8 / direct x1 (cache 8), the best x1 of this"
                + " library").floor()).isInstanceOf(Checks.Floor.None.class);
        Checks.Check b4916 = check(checks, "[llama.cpp b4916, 2 threads] direct x8 / direct x1 (cache 8), the best x1 of"
                + " this library");
        assertThat(b4916.floor()).isInstanceOf(Checks.Floor.None.class);
        assertThat(b4916.ratio()).isCloseTo(230.0 / 110, within(1e-9));
    }

    @Test
    void theLibrariesCompareOnTheSameThreadsOnly() {
        Configuration oneThread = Configuration.of(B4916.library(), 1, B4916.kvCache());
        BenchRows rows = new BenchRows(concat(configuration(CURRENT, 100, 100, 450, 100, 450),
                concat(configuration(B4916, 100, 100, 300, 100, 300), configuration(oneThread, 100, 100, 200, 100, 200))));
        List<Checks.Check> across = Checks.of(rows).stream().filter(c -> c.name().startsWith("[2 threads]")).toList();
        assertThat(across).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("[2 threads] direct x8 llama.cpp 0.5.0-dev / direct x8 llama.cpp b4916");
            assertThat(c.ratio()).isCloseTo(1.5, within(1e-9));
            assertThat(c.passes()).isTrue();
        });
        assertThat(Checks.of(rows)).noneMatch(c -> c.name().startsWith("[1 thread]"));
    }

    @Test
    void roundsMakeARunOfOneStreamLastAboutASecond() {
        assertThat(BenchCommand.automaticRounds(300_000_000L)).isEqualTo(3);
        assertThat(BenchCommand.automaticRounds(450_000_000L)).isEqualTo(2);
        assertThat(BenchCommand.automaticRounds(2_000_000_000L)).isEqualTo(1);
        assertThat(BenchCommand.automaticRounds(10_000_000L)).isEqualTo(5);
    }
}
