package dev.jvmllm.examples.bench;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.jvmllm.api.EmbeddingModel;
import dev.jvmllm.api.EmbeddingOptions;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.examples.cli.LlmCommand;
import dev.jvmllm.examples.cli.ModelOptionsMixin;
import dev.jvmllm.examples.cli.SchedulerOptionsMixin;
import dev.jvmllm.llamacpp.LlamaCppBackend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code llm bench}: tokens per second of every path (direct, scheduled, HTTP, and java-llama.cpp's
 * own generate as the peer), on the same prompt and token count, as ratios against the direct path
 * measured beside it. It runs one block of rows per configuration, each {@code --llama-library}
 * on each of {@code --thread-counts}, and the peer once per thread count.
 *
 * <p>Every block runs in a JVM of its own, one after the other: two llama.cpp thread pools in one
 * process slow each other down (measured on SmolLM2: b4916 on two threads gave 41-61 tokens/s for
 * one stream with another configuration in the process, 93-100 alone), and the peer shares
 * OpenMP's pool with the bundled library. Within a block the runs are interleaved across its rows,
 * so that a noisy moment of the machine hits them all alike; each row's tokens/s is the median of
 * its runs, and each ratio within a block the median of the per-run ratios (run i of one row
 * against run i of the other). Ratios between blocks are ratios of medians.
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

    /** What one timed run of a one-stream row should last when {@code --rounds} is not given. */
    private static final double RUN_SECONDS = 1.0;
    private static final int MAX_ROUNDS = 5;

    /** The options a block's JVM gets from the block itself, not from the user's command line. */
    private static final Set<String> BLOCK_OPTIONS = Set.of("--llama-library", "--thread-counts", "--json", "--no-peer",
            "--block-rows", "--peer-only");

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            // a row not yet compared with its direct row has NaN there
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

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
                    "default: as many as make a run of one stream last about " + RUN_SECONDS + " s, 1 to "
                            + MAX_ROUNDS + ", chosen in each block"})
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

    @Option(names = "--block-rows", hidden = true, paramLabel = "FILE",
            description = "internal: measure one block in this JVM and write its rows to FILE")
    Path blockRows;

    @Option(names = "--peer-only", hidden = true, description = "internal: the block is the peer's")
    boolean peerOnly;

    /** A row's path with the configuration it ran on. */
    private record TimedPath(Configuration configuration, BenchPath path) {
    }

    /** How one block was chosen, for the header: the library asked for and what ran. */
    private record Block(String choice, Configuration configuration) {
    }

    @Option(names = "--embeddings", description = "bench --model as an embedding model (implied when it is one)")
    boolean embeddings;

    @Option(names = "--workload", paramLabel = "NAME", defaultValue = "paths",
            description = {"paths: every path on one prompt (the default);",
                    "multi-turn: " + ConversationBench.CONVERSATIONS + " concurrent chats of " + ConversationBench.TURNS
                            + " turns, time to first token per turn with the prefix cache on and off (answers of"
                            + " --tokens);",
                    "long-prompts: the inter-token latency of " + ConversationBench.STREAMS + " decoding streams while"
                            + " prompts of " + ConversationBench.LONG_PROMPT_TOKENS + " tokens arrive, split into"
                            + " chunks of --chunk tokens and not;",
                    "structured: tokens/s of a chat answer free and constrained to a JSON Schema, on 1 and "
                            + StructuredBench.STREAMS + " streams (up to --tokens each)"})
    String workload;

    @Option(names = "--chunk", paramLabel = "N", defaultValue = "64",
            description = "long-prompts: the token budget of a step; default: ${DEFAULT-VALUE}")
    int chunk;

    @Override
    public Integer call() throws Exception {
        if (embeddings || model.isEmbeddingModel()) {
            return measureEmbeddings();
        }
        if (!workload.equals("paths")) {
            return measureWorkload();
        }
        return blockRows != null ? measureBlock() : measureEveryBlock();
    }

    /** A scheduler workload with its feature on and off, in this JVM (one scheduler at a time). */
    private int measureWorkload() throws Exception {
        SchedulerOptions options = schedulerOptions.applyTo(SchedulerOptions.defaults())
                .withContextSize(model.contextSize() > 0 ? model.contextSize() : 2048).withThreads(model.threads());
        try (dev.jvmllm.api.Model opened = model.open()) {
            ConversationBench bench = new ConversationBench(opened, options, tokens, System.out);
            switch (workload) {
                case "multi-turn" -> bench.multiTurn(runs);
                case "long-prompts" -> bench.longPrompts(chunk, 2, runs);
                case "structured" -> new StructuredBench(opened, options, tokens, System.out).measure(runs);
                default -> throw new ParameterException(spec.commandLine(), "unknown --workload " + workload
                        + ": paths, multi-turn, long-prompts or structured");
            }
        }
        return 0;
    }

    /** Sentences per second of an embedding model, in this JVM: one model, no llama.cpp thread pools to keep apart. */
    private int measureEmbeddings() throws Exception {
        try (EmbeddingModel embeddingModel = model.openEmbedding(EmbeddingOptions.defaults());
             EmbeddingBench bench = new EmbeddingBench(embeddingModel, !noHttp)) {
            List<EmbeddingBench.Row> rows = bench.measure(runs, System.out);
            if (json != null) {
                EmbeddingBench.writeJson(json, rows);
                System.err.println("wrote " + json.toAbsolutePath());
            }
        }
        return 0;
    }

    /** The parent: every block in a JVM of its own, then the table and the checks over all of them. */
    private int measureEveryBlock() throws Exception {
        List<Integer> threadsToRun = threadsToRun();
        List<BenchRow> measured = new ArrayList<>();
        List<Block> blocks = new ArrayList<>();
        for (Optional<String> library : libraries()) {
            for (int threads : threadsToRun) {
                List<String> args = new ArrayList<>(List.of("--no-peer"));
                library.ifPresent(l -> args.addAll(List.of("--llama-library", l)));
                if (threads > 0) {
                    args.addAll(List.of("--thread-counts", Integer.toString(threads)));
                }
                List<BenchRow> block = runBlock(args);
                Configuration configuration = block.getFirst().configuration();
                Block same = blocks.stream().filter(b -> b.configuration().equals(configuration)).findFirst().orElse(null);
                String choice = library.map(l -> "--llama-library " + l).orElse("the default library");
                if (same != null) {
                    throw new ParameterException(spec.commandLine(), same.choice() + " and " + choice + " both run "
                            + configuration.label() + ": give each library and thread count once");
                }
                blocks.add(new Block(choice, configuration));
                measured.addAll(block);
            }
        }
        boolean withPeer = !noPeer && measured.getFirst().backend().equals(LlamaCppBackend.NAME);
        if (withPeer) {
            // the peer's library is its own: one block per thread count, not per library
            for (int threads : blocks.stream().map(b -> b.configuration().threads()).distinct().toList()) {
                measured.addAll(runBlock(List.of("--peer-only", "--thread-counts", Integer.toString(threads))));
            }
        }
        BenchRows rows = new BenchRows(measured).comparedWithDirect();
        noteTokenCounts(rows);
        print(System.out, blocks, rows, withPeer);
        if (json != null) {
            JSON.writeValue(json.toFile(), rows.rows());
            System.err.println("wrote " + json.toAbsolutePath());
        }
        return 0;
    }

    /**
     * Runs this bench command in a new JVM, with the user's options but those a block sets itself,
     * and {@code blockArgs}; returns the rows it measured. What it prints goes to our stderr.
     */
    private List<BenchRow> runBlock(List<String> blockArgs) throws Exception {
        Path rowsFile = Files.createTempFile("jvmllm-bench-", ".json");
        try {
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), LlmCommand.class.getName(), "bench"));
            command.addAll(userOptions());
            command.addAll(blockArgs);
            command.addAll(List.of("--block-rows", rowsFile.toString()));
            // a block prints no table: all it says (progress, and what native libraries print) goes on to our
            // stderr as it comes, and its last error line is the reason should it fail
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String error = null;
            try (BufferedReader lines = process.inputReader(StandardCharsets.UTF_8)) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    System.err.println(line);
                    if (line.startsWith(LlmCommand.ERROR_PREFIX)) {
                        error = line.substring(LlmCommand.ERROR_PREFIX.length());
                    }
                }
            }
            int exit = process.waitFor();
            if (exit != 0) {
                throw new LlmException(error != null ? error : "the bench block " + String.join(" ", blockArgs)
                        + " failed (exit code " + exit + ")");
            }
            return JSON.readValue(rowsFile.toFile(), new TypeReference<List<BenchRow>>() { });
        } finally {
            Files.deleteIfExists(rowsFile);
        }
    }

    /** The options the user gave this command, without those that {@link #BLOCK_OPTIONS} sets per block. */
    private List<String> userOptions() {
        List<String> original = spec.commandLine().getParseResult().originalArgs();
        List<String> given = original.subList(original.indexOf(spec.name()) + 1, original.size());
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < given.size(); i++) {
            String arg = given.get(i);
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (!BLOCK_OPTIONS.contains(name)) {
                kept.add(arg);
            } else if (!arg.contains("=") && spec.findOption(name).arity().max() > 0) {
                i++; // and its value
            }
        }
        return kept;
    }

    /** A block's JVM: one configuration's rows, or the peer's, measured here and written to {@link #blockRows}. */
    private int measureBlock() throws Exception {
        int context = model.contextSize() > 0 ? model.contextSize() : DEFAULT_CONTEXT;
        Workload workload = new Workload(prompt, tokens, context);
        List<Integer> threadsToRun = threadsToRun();
        int threads = threadsToRun.getFirst();
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            List<TimedPath> paths = new ArrayList<>();
            BenchPath single;
            if (peerOnly) {
                Configuration peer = Configuration.of(PeerPath.LIBRARY, threads, Configuration.UNIFIED);
                single = null;
                for (int concurrency : new int[] {1, BATCHED}) {
                    PeerPath path = new PeerPath(model.modelPath(), concurrency, threads, workload);
                    opened.add(path);
                    paths.add(new TimedPath(peer, path));
                    single = single == null ? path : single;
                }
            } else {
                OpenConfiguration configuration = new OpenConfiguration(model, model.llamaLibraries().stream().findFirst(),
                        // every run repeats one prompt: with a prefix cache the served paths would compute
                        // less of it than the direct path beside them
                        threads, workload, schedulerOptions.applyTo(SchedulerOptions.defaults()).withPrefixCache(false),
                        !noHttp);
                opened.add(configuration);
                if (warmUpRequests > 0) {
                    List<WarmUp> done = configuration.warmUp(WARM_UP_TOKENS, warmUpRequests,
                            Duration.ofMillis(Math.round(warmUpSeconds * 1000)));
                    System.err.printf("warm-up %s, requests of %d tokens: %s%n", configuration.configuration().label(),
                            WARM_UP_TOKENS, String.join(", ", done.stream().map(WarmUp::toString).toList()));
                }
                for (BenchPath path : configuration.paths()) {
                    paths.add(new TimedPath(configuration.configuration(), path));
                }
                single = configuration.single();
            }
            long singleNanos = firstPass(paths, single);
            int chosenRounds = rounds != null ? rounds : automaticRounds(singleNanos);
            if (rounds == null) {
                System.err.printf("%s: %d round%s a run (one stream took %.3f s)%n",
                        paths.getFirst().configuration().label(), chosenRounds, chosenRounds == 1 ? "" : "s",
                        singleNanos / 1e9);
            }
            JSON.writeValue(blockRows.toFile(), measure(paths, chosenRounds));
        } finally {
            for (AutoCloseable resource : opened.reversed()) {
                resource.close();
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

    /**
     * Runs every path once, untimed: JIT, caches, connections. Says how long the one-stream request
     * of {@code single} took, which sizes the rounds.
     */
    private static long firstPass(List<TimedPath> paths, BenchPath single) throws Exception {
        long singleNanos = 0;
        for (TimedPath timed : paths) {
            long start = System.nanoTime();
            timed.path().runOnce();
            if (timed.path() == single) {
                singleNanos = System.nanoTime() - start;
            }
        }
        return singleNanos;
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
    private List<BenchRow> measure(List<TimedPath> paths, int roundsPerRun) throws Exception {
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
            rows.add(BenchRow.measured(entry.getKey().configuration(), entry.getKey().path(), roundsPerRun, median.tokens(),
                    median.nanos() / 1e9, entry.getValue().stream().map(Measurement::tokensPerSecond).toList()));
        }
        return rows;
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
                        row.label(), (double) row.tokens() / row.concurrency() / row.rounds(), single.label(),
                        (double) single.tokens() / single.rounds());
            }
        }
    }

    private void print(PrintStream out, List<Block> blocks, BenchRows rows, boolean withPeer) {
        out.printf("model %s (%s), prompt \"%s\", %d tokens per sequence (greedy), median of %d runs%n",
                model.modelPath().getFileName(), rows.rows().getFirst().backend(), prompt, tokens, runs);
        for (Block block : blocks) {
            BenchRow direct = rows.find(block.configuration(), DirectPath.PATH, 1, 1);
            out.printf("  %s: %s, KV cache %s, %d round%s a run%n", block.configuration().label(), block.choice(),
                    block.configuration().kvCache(), direct.rounds(), direct.rounds() == 1 ? "" : "s");
        }
        if (withPeer) {
            out.printf("  peer: %s (de.kherud:llama's own generate) on each thread count, against the direct rows"
                    + " on %s where those ran%n", PeerPath.LIBRARY, PeerPath.LLAMA_CPP);
        }
        out.println("  (a round: every stream generates once; each block ran in a JVM of its own)");
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
