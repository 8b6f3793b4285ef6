package dev.jvmllm.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.http.LlmServer;
import picocli.CommandLine.Command;
import dev.jvmllm.examples.cli.ModelOptionsMixin;
import dev.jvmllm.examples.cli.SchedulerOptionsMixin;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code llm bench}: tokens per second of every path (direct, scheduled, HTTP, and java-llama.cpp's
 * own generate as the peer) in one run, on the same prompt and token count, as ratios against the
 * direct path measured in the same run. Runs are interleaved across paths so that a noisy moment
 * of the machine hits them all alike; each row's tokens/s is the median of its runs, and each
 * ratio the median of the per-run ratios (run i of one row against run i of the other).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark the direct, scheduled and HTTP paths (and the java-llama.cpp peer) in one run.",
                "Every path runs with --context 512 unless given."})
public final class BenchCommand implements Callable<Integer> {
    private static final int BATCHED = 8;
    private static final int WARM_UP_TOKENS = 2;

    /** The bench's context when {@code --context} is not given: room for the prompt and {@code --tokens}. */
    private static final int DEFAULT_CONTEXT = 512;

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

    @Option(names = "--runs", defaultValue = "7", description = "timed runs per row (median); default: ${DEFAULT-VALUE}")
    int runs;

    @Option(names = "--rounds", defaultValue = "5",
            description = "rounds of requests in one timed run (each round: every stream generates once); default: ${DEFAULT-VALUE}")
    int rounds;

    @Option(names = "--peer-threads", defaultValue = "-1",
            description = "threads of the java-llama.cpp peer: -1 the same as ours (default), 0 its own default")
    int peerThreads;

    @Option(names = "--warm-up", defaultValue = "2000",
            description = "short requests down each path before timing, so the per-request code is compiled; default: ${DEFAULT-VALUE}")
    int warmUpRequests;

    @Option(names = "--no-peer", description = "skip the java-llama.cpp rows")
    boolean noPeer;

    @Option(names = "--no-http", description = "skip the HTTP rows")
    boolean noHttp;

    @Override
    public Integer call() throws Exception {
        GenerationRequest request = GenerationRequest.of(prompt, SamplingParams.greedy(tokens));
        int context = model.contextSize() > 0 ? model.contextSize() : DEFAULT_CONTEXT;

        List<BenchPath> paths = new ArrayList<>();
        try (Model opened = model.open()) {
            // every path, the peer's included, runs on the thread count the library chooses for this model
            int threadCount = ProcessorOptions.defaults().withThreads(model.threads()).effectiveThreads(opened.info());
            ProcessorOptions processorOptions = ProcessorOptions.defaults().withContextSize(context).withThreads(threadCount);
            try (Scheduler scheduler = Schedulers.create(opened, schedulerOptions.applyTo(SchedulerOptions.defaults()
                         .withMaxSequences(BATCHED).withContextSize(context).withThreads(threadCount)));
                 LlmServer server = noHttp ? null : LlmServer.builder(scheduler).port(0).build().start()) {
                String backendName = opened.info().backend();
                // one stream on a cache for one (what the peer x1 runs), and on the scheduler's cache (what
                // the scheduled and HTTP rows run): llama.cpp's pass costs more with the larger cache
                DirectPath direct1 = new DirectPath(opened, processorOptions, 1, 1, request);
                paths.add(direct1);
                paths.add(new DirectPath(opened, processorOptions, 1, BATCHED, request));
                paths.add(new DirectPath(opened, processorOptions, BATCHED, BATCHED, request));
                paths.add(new ScheduledPath(scheduler, BATCHED, 1, request));
                paths.add(new ScheduledPath(scheduler, BATCHED, BATCHED, request));
                if (server != null) {
                    for (boolean streaming : new boolean[] {false, true}) {
                        paths.add(new HttpPath(backendName, server.port(), BATCHED, 1, streaming, prompt, tokens));
                        paths.add(new HttpPath(backendName, server.port(), BATCHED, BATCHED, streaming, prompt, tokens));
                    }
                }
                if (!noPeer && backendName.equals("llamacpp")) {
                    int peer = peerThreads < 0 ? threadCount : peerThreads;
                    paths.add(new PeerPath(model.modelPath(), 1, context, peer, prompt, tokens));
                    paths.add(new PeerPath(model.modelPath(), BATCHED, context, peer, prompt, tokens));
                }
                if (warmUpRequests > 0) {
                    warmUpRequestPaths(opened, processorOptions, scheduler, server);
                }
                int expectedPerSequence = direct1.referenceTokens().size();
                List<BenchRow> rows = measure(paths, expectedPerSequence);
                print(System.out, opened, rows, expectedPerSequence, threadCount, find(rows, "peer", 1, 1) != null);
                if (json != null) {
                    new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                            .enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), rows);
                    System.err.println("wrote " + json.toAbsolutePath());
                }
            } finally {
                for (BenchPath path : paths) {
                    path.close();
                }
            }
        }
        return 0;
    }

    /**
     * Runs many short requests down every path of ours before anything is timed. The code that runs
     * once per request (HTTP parsing, JSON, submission, the answer) would otherwise still be
     * interpreted during the few dozen timed requests, while the per-token loop is compiled within
     * the first one: measured on the HTTP path, about 0.6 ms per request cold against warm. A
     * server that has been up for a while runs it compiled; so does this benchmark.
     */
    private void warmUpRequestPaths(Model opened, ProcessorOptions options, Scheduler scheduler, LlmServer server)
            throws Exception {
        GenerationRequest shortRequest = GenerationRequest.of(prompt, SamplingParams.greedy(WARM_UP_TOKENS));
        List<BenchPath> warmUps = new ArrayList<>();
        warmUps.add(new DirectPath(opened, options, 1, 1, shortRequest));
        warmUps.add(new ScheduledPath(scheduler, BATCHED, 1, shortRequest));
        if (server != null) {
            for (boolean streaming : new boolean[] {false, true}) {
                warmUps.add(new HttpPath(opened.info().backend(), server.port(), BATCHED, 1, streaming, prompt,
                        WARM_UP_TOKENS));
            }
        }
        long start = System.nanoTime();
        try {
            for (BenchPath path : warmUps) {
                for (int i = 0; i < warmUpRequests; i++) {
                    path.runOnce();
                }
            }
        } finally {
            for (BenchPath path : warmUps) {
                path.close();
            }
        }
        System.err.printf("warm-up: %d requests of %d tokens down each path in %.1f s%n", warmUpRequests, WARM_UP_TOKENS,
                (System.nanoTime() - start) / 1e9);
    }

    private List<BenchRow> measure(List<BenchPath> paths, int expectedPerSequence) throws Exception {
        for (BenchPath path : paths) { // warm-up: JIT, caches, connections
            long produced = path.runOnce();
            if (produced != (long) expectedPerSequence * path.concurrency()) {
                System.err.printf("note: %s x%d generated %d tokens, the direct path %d per sequence%n",
                        path.path(), path.concurrency(), produced, expectedPerSequence);
            }
        }
        Map<BenchPath, List<Measurement>> results = new LinkedHashMap<>();
        for (int run = 0; run < runs; run++) {
            for (BenchPath path : paths) {
                long start = System.nanoTime();
                long produced = 0;
                for (int round = 0; round < rounds; round++) {
                    produced += path.runOnce();
                }
                results.computeIfAbsent(path, p -> new ArrayList<>()).add(new Measurement(produced, System.nanoTime() - start));
            }
        }
        List<BenchRow> rows = new ArrayList<>();
        for (var entry : results.entrySet()) {
            BenchPath path = entry.getKey();
            Measurement median = median(entry.getValue());
            rows.add(new BenchRow(path.path(), path.backend(), path.concurrency(), path.cacheSequences(), median.tokens(),
                    median.nanos() / 1e9, median.tokensPerSecond(), 0,
                    entry.getValue().stream().map(Measurement::tokensPerSecond).toList()));
        }
        return rows.stream().map(r -> new BenchRow(r.path(), r.backend(), r.concurrency(), r.cacheSequences(), r.tokens(),
                r.seconds(), r.tokensPerSecond(), r.pairedRatio(find(rows, "direct", r.concurrency(), r.cacheSequences())),
                r.runTokensPerSecond())).toList();
    }

    private static Measurement median(List<Measurement> runs) {
        Measurement[] sorted = runs.stream().sorted((a, b) -> Double.compare(a.tokensPerSecond(), b.tokensPerSecond()))
                .toArray(Measurement[]::new);
        return sorted[sorted.length / 2];
    }

    private void print(PrintStream out, Model opened, List<BenchRow> rows, int perSequence, int threadCount,
                       boolean withPeer) {
        out.printf("model %s (%s), prompt \"%s\", %d tokens per sequence (greedy), %d threads%s,%n"
                        + "median of %d runs of %d rounds (a round: every stream generates once)%n%n",
                opened.info().name(), opened.info().backend(), prompt, perSequence, threadCount,
                !withPeer ? "" : peerThreads == 0 ? ", peer on its default threads" : ", peer on the same threads",
                runs, rounds);
        out.printf("| %-11s | %-14s | %11s | %5s | %6s | %8s | %12s | %9s |%n", "path", "backend", "concurrency",
                "cache", "tokens", "seconds", "tokens/s", "vs direct");
        out.printf("|%s|%s|%s|%s|%s|%s|%s|%s|%n", "-".repeat(13), "-".repeat(16), "-".repeat(13), "-".repeat(7),
                "-".repeat(8), "-".repeat(10), "-".repeat(14), "-".repeat(11));
        for (BenchRow row : rows) {
            out.printf("| %-11s | %-14s | %11d | %5d | %6d | %8.3f | %12.1f | %8.2fx |%n", row.path(), row.backend(),
                    row.concurrency(), row.cacheSequences(), row.tokens(), row.seconds(), row.tokensPerSecond(),
                    row.vsDirect());
        }
        out.println();
        for (Check check : checks(rows, opened.info().backend())) {
            String perRequest = check.isOneToOne()
                    ? String.format("  %+.2f ms a request", check.row().pairedExtraMillisPerRequest(check.base(), rounds))
                    : "";
            String verdict = Double.isNaN(check.floor()) ? "(no floor: the cost of the larger cache)"
                    : String.format("(floor %.2fx) %-5s", check.floor(), check.value() >= check.floor() ? "ok" : "BELOW");
            out.println(String.format("%-62s %6.2fx  %s%s", check.name(), check.value(), verdict, perRequest).stripTrailing());
        }
    }

    /**
     * The ratios the project promises, each against its floor. The serving rows compare with the
     * direct path on the scheduler's cache, so that they measure what the serving layers cost; the
     * peer rows with the direct path on the peer's cache. Where both rows run one stream, the
     * check also gives the extra time per request, which is what a fixed cost per request (thread
     * wake-ups, HTTP) shows up as.
     */
    private static List<Check> checks(List<BenchRow> rows, String backend) {
        List<Check> checks = new ArrayList<>();
        ratio(rows, "direct", 1, 1, "peer", 1, 1, 1.3, checks);
        ratio(rows, "direct", BATCHED, BATCHED, "peer", BATCHED, BATCHED, 2.0, checks);
        ratio(rows, "direct", 1, BATCHED, "direct", 1, 1, Double.NaN, checks);
        ratio(rows, "scheduled", 1, BATCHED, "direct", 1, BATCHED, backend.equals("onnx") ? 0.95 : 0.97, checks);
        ratio(rows, "scheduled", BATCHED, BATCHED, "direct", BATCHED, BATCHED, 0.90, checks);
        ratio(rows, "scheduled", BATCHED, BATCHED, "scheduled", 1, BATCHED, 2.0, checks);
        ratio(rows, "http", 1, BATCHED, "direct", 1, BATCHED, 0.95, checks);
        ratio(rows, "http-stream", 1, BATCHED, "direct", 1, BATCHED, 0.95, checks);
        ratio(rows, "http", BATCHED, BATCHED, "scheduled", BATCHED, BATCHED, 0.90, checks);
        ratio(rows, "http-stream", BATCHED, BATCHED, "scheduled", BATCHED, BATCHED, 0.90, checks);
        if (backend.equals("onnx")) {
            ratio(rows, "direct", BATCHED, BATCHED, "direct", 1, 1, 1.3, checks);
        }
        return checks;
    }

    /** Adds row / base where both ran; a NaN floor marks a ratio that is reported, not promised. */
    private static void ratio(List<BenchRow> rows, String path, int concurrency, int cache, String basePath,
                              int baseConcurrency, int baseCache, double floor, List<Check> checks) {
        var row = find(rows, path, concurrency, cache);
        var base = find(rows, basePath, baseConcurrency, baseCache);
        if (row != null && base != null) {
            checks.add(new Check(row, base, row.pairedRatio(base), floor));
        }
    }

    private static BenchRow find(List<BenchRow> rows, String path, int concurrency, int cacheSequences) {
        return rows.stream().filter(r -> r.path().equals(path) && r.concurrency() == concurrency
                && r.cacheSequences() == cacheSequences).findFirst().orElse(null);
    }

    private record Check(BenchRow row, BenchRow base, double value, double floor) {
        String name() {
            return row.label() + " / " + base.label();
        }

        /** Both rows run one stream, so their requests compare one to one. */
        boolean isOneToOne() {
            return row.concurrency() == 1 && base.concurrency() == 1;
        }
    }
}
