package dev.jvmllm.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.examples.cli.ModelOptionsMixin;
import dev.jvmllm.examples.cli.SchedulerOptionsMixin;
import dev.jvmllm.llamacpp.LlamaCppBackend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code llm bench}: tokens per second of every path (direct, scheduled, HTTP, and java-llama.cpp's
 * own generate as the peer) in one run, on the same prompt and token count, as ratios against the
 * direct path measured in the same run. It runs one block of rows per configuration, each
 * {@code --llama-library} on each of {@code --thread-counts}, and the peer once per thread count.
 * Runs are interleaved across the rows of all configurations so that a noisy moment of the
 * machine hits them all alike; each row's tokens/s is the median of its runs, and each ratio the
 * median of the per-run ratios (run i of one row against run i of the other).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark the direct, scheduled and HTTP paths (and the java-llama.cpp peer) in one run,"
                + " on each --llama-library and each of --thread-counts.",
                "Every path runs with --context 512 unless given."})
public final class BenchCommand implements Callable<Integer> {
    static final int BATCHED = 8;
    private static final int WARM_UP_TOKENS = 2;

    /** The bench's context when {@code --context} is not given: room for the prompt and {@code --tokens}. */
    private static final int DEFAULT_CONTEXT = 512;

    /** What one timed run of a one-stream direct row should last when {@code --rounds} is not given. */
    private static final double RUN_SECONDS = 1.0;
    private static final int MAX_ROUNDS = 5;

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptionsMixin model;

    @Mixin
    SchedulerOptionsMixin schedulerOptions;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the rows as JSON")
    Path json;

    @Option(names = "--prompt", defaultValue = "Once upon a time", description = "default: ${DEFAULT-VALUE}")
    String prompt;

    @Option(names = "--tokens", defaultValue = "128", description = "tokens generated per sequence; default: ${DEFAULT-VALUE}")
    int tokens;

    @Option(names = "--thread-counts", paramLabel = "N", split = ",",
            description = "run every library on each of these thread counts, one block of rows each;"
                    + " default: --threads, else the backend's choice for the model and library")
    List<Integer> threadCounts = List.of();

    @Option(names = "--runs", defaultValue = "7", description = "timed runs per row (median); default: ${DEFAULT-VALUE}")
    int runs;

    @Option(names = "--rounds", paramLabel = "N",
            description = {"rounds of requests in one timed run (each round: every stream generates once);",
                    "default: as many as make a run of one direct stream last about " + RUN_SECONDS + " s, 1 to "
                            + MAX_ROUNDS + ", timed on the slowest configuration"})
    Integer rounds;

    @Option(names = "--warm-up", defaultValue = "2000",
            description = "short requests down each path before timing, so the per-request code is compiled; default: ${DEFAULT-VALUE}")
    int warmUpRequests;

    @Option(names = "--warm-up-seconds", paramLabel = "SECONDS", defaultValue = "3",
            description = "the most seconds the warm-up spends down each path: it stops at --warm-up requests or"
                    + " at this, whichever comes first; default: ${DEFAULT-VALUE}")
    double warmUpSeconds;

    @Option(names = "--no-peer", description = "skip the java-llama.cpp rows")
    boolean noPeer;

    @Option(names = "--no-http", description = "skip the HTTP rows")
    boolean noHttp;

    /** A row's path with the configuration it ran on. */
    private record TimedPath(Configuration configuration, BenchPath path) {
    }

    @Override
    public Integer call() throws Exception {
        int context = model.contextSize() > 0 ? model.contextSize() : DEFAULT_CONTEXT;
        Workload workload = new Workload(prompt, tokens, context);
        List<OpenConfiguration> configurations = new ArrayList<>();
        List<PeerPath> peers = new ArrayList<>();
        List<Integer> threadsToRun = threadsToRun();
        try {
            for (Optional<String> library : libraries()) {
                for (int threads : threadsToRun) {
                    configurations.add(new OpenConfiguration(model, library, threads, workload,
                            schedulerOptions.applyTo(SchedulerOptions.defaults()), !noHttp));
                }
            }
            requireDistinct(configurations);
            if (warmUpRequests > 0) {
                for (OpenConfiguration configuration : configurations) {
                    List<WarmUp> done = configuration.warmUp(WARM_UP_TOKENS, warmUpRequests,
                            Duration.ofMillis(Math.round(warmUpSeconds * 1000)));
                    System.err.printf("warm-up %s, requests of %d tokens: %s%n", configuration.configuration().label(),
                            WARM_UP_TOKENS, String.join(", ", done.stream().map(WarmUp::toString).toList()));
                }
            }
            List<TimedPath> paths = new ArrayList<>();
            for (OpenConfiguration configuration : configurations) {
                for (BenchPath path : configuration.paths()) {
                    paths.add(new TimedPath(configuration.configuration(), path));
                }
            }
            if (!noPeer && configurations.getFirst().info().backend().equals(LlamaCppBackend.NAME)) {
                // the peer's library is its own: one pair of rows per thread count, not per library
                for (int threads : configurations.stream().map(c -> c.configuration().threads()).distinct().toList()) {
                    Configuration peer = new Configuration(PeerPath.LIBRARY, threads, Configuration.UNIFIED);
                    for (int concurrency : new int[] {1, BATCHED}) {
                        PeerPath path = new PeerPath(model.modelPath(), concurrency, threads, workload);
                        peers.add(path);
                        paths.add(new TimedPath(peer, path));
                    }
                }
            }
            long slowestSingle = firstPass(paths, configurations);
            String roundsChoice = rounds != null ? "" : String.format(" (automatic: the slowest one-stream direct"
                    + " request took %.3f s)", slowestSingle / 1e9);
            BenchRows rows = measure(paths, rounds != null ? rounds : automaticRounds(slowestSingle)).comparedWithDirect();
            noteTokenCounts(rows);
            print(System.out, configurations, rows, roundsChoice, !peers.isEmpty());
            if (json != null) {
                new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                        .enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), rows.rows());
                System.err.println("wrote " + json.toAbsolutePath());
            }
        } finally {
            for (PeerPath peer : peers) {
                peer.close();
            }
            for (OpenConfiguration configuration : configurations.reversed()) {
                configuration.close();
            }
        }
        return 0;
    }

    /** Every {@code --llama-library}, or the default library alone. */
    private List<Optional<String>> libraries() {
        List<String> given = model.llamaLibraries();
        return given.isEmpty() ? List.of(Optional.empty()) : given.stream().map(Optional::of).toList();
    }

    /** {@code --thread-counts}, else {@code --threads} alone (0: the model's default). */
    private List<Integer> threadsToRun() {
        if (threadCounts.isEmpty()) {
            return List.of(model.threads());
        }
        if (model.threads() > 0) {
            throw new ParameterException(spec.commandLine(), "give --threads or --thread-counts, not both");
        }
        if (threadCounts.stream().anyMatch(n -> n < 1)) {
            throw new ParameterException(spec.commandLine(), "--thread-counts must all be at least 1: " + threadCounts);
        }
        return threadCounts;
    }

    /** Two configurations alike would share their rows' names: the table could not tell them apart. */
    private void requireDistinct(List<OpenConfiguration> configurations) {
        Map<Configuration, OpenConfiguration> seen = new LinkedHashMap<>();
        for (OpenConfiguration configuration : configurations) {
            OpenConfiguration same = seen.putIfAbsent(configuration.configuration(), configuration);
            if (same != null) {
                throw new ParameterException(spec.commandLine(), same.libraryChoice() + " and "
                        + configuration.libraryChoice() + " both run " + configuration.configuration().label()
                        + ": give each library and thread count once");
            }
        }
    }

    /**
     * Runs every path once, untimed: JIT, caches, connections. Says how long the slowest
     * configuration's one-stream direct request took, which sizes the rounds.
     */
    private static long firstPass(List<TimedPath> paths, List<OpenConfiguration> configurations) throws Exception {
        List<BenchPath> singles = configurations.stream().<BenchPath>map(OpenConfiguration::single).toList();
        long slowestSingle = 0;
        for (TimedPath timed : paths) {
            long start = System.nanoTime();
            timed.path().runOnce();
            if (singles.contains(timed.path())) {
                slowestSingle = Math.max(slowestSingle, System.nanoTime() - start);
            }
        }
        return slowestSingle;
    }

    /**
     * Rounds that make a run of requests of {@code requestNanos} last about {@value #RUN_SECONDS} s,
     * from 1 to {@value #MAX_ROUNDS}: enough for a fast model's run to outlast the machine's short
     * hiccups, few enough that a slow model's runs of all rows finish in minutes.
     */
    static int automaticRounds(long requestNanos) {
        return Math.clamp(Math.round(RUN_SECONDS * 1e9 / Math.max(requestNanos, 1)), 1, MAX_ROUNDS);
    }

    /** Runs i of every row, then runs i + 1: a noisy moment lands on all rows alike. */
    private BenchRows measure(List<TimedPath> paths, int roundsPerRun) throws Exception {
        Map<TimedPath, List<Measurement>> results = new LinkedHashMap<>();
        for (int run = 0; run < runs; run++) {
            for (TimedPath timed : paths) {
                long start = System.nanoTime();
                long produced = 0;
                for (int round = 0; round < roundsPerRun; round++) {
                    produced += timed.path().runOnce();
                }
                results.computeIfAbsent(timed, p -> new ArrayList<>()).add(new Measurement(produced, System.nanoTime() - start));
            }
        }
        List<BenchRow> rows = new ArrayList<>();
        for (var entry : results.entrySet()) {
            Measurement median = median(entry.getValue());
            rows.add(BenchRow.measured(entry.getKey().configuration(), entry.getKey().path(), median.tokens(),
                    median.nanos() / 1e9, entry.getValue().stream().map(Measurement::tokensPerSecond).toList()));
        }
        return new BenchRows(rows, roundsPerRun);
    }

    private static Measurement median(List<Measurement> runs) {
        Measurement[] sorted = runs.stream().sorted((a, b) -> Double.compare(a.tokensPerSecond(), b.tokensPerSecond()))
                .toArray(Measurement[]::new);
        return sorted[sorted.length / 2];
    }

    /** Every path should generate what the one-stream direct path of its configuration does, per sequence. */
    private static void noteTokenCounts(BenchRows rows) {
        for (BenchRow row : rows.rows()) {
            BenchRow single = rows.find(rows.directConfiguration(row), DirectPath.PATH, 1, 1);
            if (row.tokens() != single.tokens() * row.concurrency()) {
                System.err.printf("note: %s %s generated %.1f tokens per sequence, %s %.1f%n", row.configuration().label(),
                        row.label(), (double) row.tokens() / row.concurrency() / rows.requestsPerRun(), single.label(),
                        (double) single.tokens() / rows.requestsPerRun());
            }
        }
    }

    private void print(PrintStream out, List<OpenConfiguration> configurations, BenchRows rows, String roundsChoice,
                       boolean withPeer) {
        OpenConfiguration first = configurations.getFirst();
        out.printf("model %s (%s), prompt \"%s\", %d tokens per sequence (greedy),%n"
                        + "median of %d runs of %d rounds%s (a round: every stream generates once)%n",
                first.info().name(), first.info().backend(), prompt, tokens, runs, rows.requestsPerRun(), roundsChoice);
        for (OpenConfiguration configuration : configurations) {
            out.printf("  %s: %s, KV cache %s%n", configuration.configuration().label(), configuration.libraryChoice(),
                    configuration.configuration().kvCache());
        }
        if (withPeer) {
            out.printf("  peer: %s (de.kherud:llama's own generate) on each thread count, against the direct rows"
                    + " on %s where those ran%n", PeerPath.LIBRARY, PeerPath.LLAMA_CPP);
        }
        out.println();
        BenchTable.lines(rows.rows()).forEach(out::println);
        out.printf("%nms/req vs direct: how much longer a request took than on the direct row of the same cache and"
                + " concurrency;%nfor x%d rows, the extra wall time of a round of %d concurrent requests: the latency"
                + " each of them gained%n%n", BATCHED, BATCHED);
        List<Checks.Check> checks = Checks.of(rows);
        int nameWidth = checks.stream().mapToInt(c -> c.name().length()).max().orElse(0);
        for (Checks.Check check : checks) {
            out.println(check.format(nameWidth));
        }
    }
}
