package dev.jvmllm.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.jvmllm.api.EmbeddingModel;
import dev.jvmllm.api.EmbeddingScheduler;
import dev.jvmllm.http.LlmServer;
import dev.jvmllm.scheduler.EmbeddingBatcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code llm bench} on an embedding model: sentences per second, from text (tokenising included), one at a time and with
 * {@value #CONCURRENT} callers at once, directly, through the {@link EmbeddingBatcher} and over
 * HTTP, each as a ratio against the direct path one at a time measured in the same run. Runs are
 * interleaved across the rows, so that a noisy moment of the machine hits them all alike; a row's
 * rate is the median of its runs, its ratio the median of the per-run ratios.
 */
final class EmbeddingBench implements AutoCloseable {
    static final int CONCURRENT = 32;
    /** What batching concurrent requests should gain over one at a time (the embeddings issue's floor). */
    static final double BATCHED_FLOOR = 3.0;
    private static final int PROBE_TOKENS = 16;
    private static final String[] SUBJECTS = {"A man", "The old woman", "Two children", "A small dog", "The committee",
            "My neighbour", "A group of tourists", "The new teacher"};
    private static final String[] ACTIONS = {"is eating food", "reads a long book about the history of Rome",
            "walks along the river", "crashed the car into a tree", "plays the piano", "is cooking dinner for friends",
            "watches the stock market", "paints the fence"};
    private static final String[] ENDINGS = {".", " every morning.", " in the rain.", " before the meeting starts.",
            " while the sun sets over the quiet hills.", " today."};
    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT).build();

    /** One measured row. */
    record Row(String path, int concurrency, double sentencesPerSecond, double ratioToDirect, double[] runs) {
    }

    /** A way of embedding every sentence once, from its text; returns how many it embedded. */
    @FunctionalInterface
    private interface EmbeddingPath {
        int run() throws Exception;
    }

    private record Measured(String name, int concurrency, EmbeddingPath path) {
    }

    private final EmbeddingModel model;
    private final EmbeddingScheduler batcher;
    private final LlmServer server;
    private final ExecutorService clients = Executors.newFixedThreadPool(CONCURRENT);
    private final List<String> texts = new ArrayList<>();
    private final List<int[]> sentences = new ArrayList<>();
    /** Per number of callers, a keep-alive connection per sentence: a caller is the only user of its sentences'. */
    private final Map<Integer, List<LoopbackClient>> connections = new HashMap<>();

    EmbeddingBench(EmbeddingModel model, boolean http) {
        this.model = model;
        this.batcher = EmbeddingBatcher.start(model);
        this.server = http ? LlmServer.builder(batcher).port(0).build().start() : null;
        for (String subject : SUBJECTS) {
            for (int i = 0; i < ACTIONS.length; i++) {
                String text = subject + " " + ACTIONS[i] + ENDINGS[(i + subject.length()) % ENDINGS.length];
                texts.add(text);
                sentences.add(model.tokenize(text));
            }
        }
    }

    /** Measures every row {@code runs} times, after a warm-up of each, and prints the table. */
    List<Row> measure(int runs, PrintStream out) throws Exception {
        List<Measured> paths = new ArrayList<>();
        paths.add(new Measured("direct, one input per call", 1, this::directOneAtATime));
        paths.add(new Measured("direct, " + CONCURRENT + " inputs per call", 1, this::directBatched));
        paths.add(new Measured("batcher", 1, () -> concurrently(1, this::throughBatcher)));
        paths.add(new Measured("batcher", CONCURRENT, () -> concurrently(CONCURRENT, this::throughBatcher)));
        if (server != null) {
            paths.add(new Measured("HTTP /v1/embeddings", 1, () -> overHttp(1)));
            paths.add(new Measured("HTTP /v1/embeddings", CONCURRENT, () -> overHttp(CONCURRENT)));
        }
        for (Measured path : paths) {
            path.path().run(); // warm-up: the code of each path compiled, the model's buffers sized
        }
        double[][] rates = new double[paths.size()][runs];
        for (int run = 0; run < runs; run++) {
            for (int p = 0; p < paths.size(); p++) {
                long start = System.nanoTime();
                int embedded = paths.get(p).path().run();
                rates[p][run] = embedded / ((System.nanoTime() - start) / 1e9);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int p = 0; p < paths.size(); p++) {
            double[] ratios = new double[runs];
            for (int run = 0; run < runs; run++) {
                ratios[run] = rates[p][run] / rates[0][run];
            }
            rows.add(new Row(paths.get(p).name(), paths.get(p).concurrency(), Stats.median(rates[p]), Stats.median(ratios),
                    rates[p].clone()));
        }
        print(out, rows, runs);
        printPassCost(out, runs);
        return rows;
    }

    /**
     * What a pass costs, fitted from passes of 1 and of {@value #CONCURRENT} inputs of
     * {@value #PROBE_TOKENS} tokens (medians of {@code runs}): a fixed part and a part per token.
     * Batching saves only the fixed part, so it bounds what batching can gain on these sentences.
     */
    private void printPassCost(PrintStream out, int runs) {
        int[] probe = new int[PROBE_TOKENS];
        int[] source = sentences.stream().flatMapToInt(java.util.Arrays::stream).toArray();
        System.arraycopy(source, 0, probe, 0, PROBE_TOKENS);
        List<int[]> one = List.of(probe);
        List<int[]> many = java.util.Collections.nCopies(CONCURRENT, probe);
        double[] single = new double[runs];
        double[] batched = new double[runs];
        for (int run = 0; run < runs; run++) {
            single[run] = secondsOf(one, 8) / 8;
            batched[run] = secondsOf(many, 1);
        }
        double perToken = (Stats.median(batched) - Stats.median(single)) / (PROBE_TOKENS * (CONCURRENT - 1));
        double fixed = Stats.median(single) - PROBE_TOKENS * perToken;
        double meanTokens = sentences.stream().mapToInt(s -> s.length).average().orElse(0);
        out.printf("a pass: %.2f ms + %.1f us a token (fitted from passes of 1 and %d inputs of %d tokens); batching"
                        + " saves the fixed part, so on sentences of %.1f tokens it gains at most %.2fx%n",
                fixed * 1e3, perToken * 1e6, CONCURRENT, PROBE_TOKENS, meanTokens,
                (fixed + meanTokens * perToken) / (meanTokens * perToken));
    }

    private double secondsOf(List<int[]> inputs, int repeats) {
        long start = System.nanoTime();
        for (int i = 0; i < repeats; i++) {
            model.embed(inputs);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    static void writeJson(Path file, List<Row> rows) throws IOException {
        JSON.writeValue(file.toFile(), rows);
    }

    private int directOneAtATime() {
        for (String text : texts) {
            model.embed(List.of(model.tokenize(text)));
        }
        return texts.size();
    }

    private int directBatched() {
        for (int from = 0; from < texts.size(); from += CONCURRENT) {
            List<int[]> inputs = new ArrayList<>();
            for (String text : texts.subList(from, Math.min(texts.size(), from + CONCURRENT))) {
                inputs.add(model.tokenize(text));
            }
            model.embed(inputs);
        }
        return texts.size();
    }

    private void throughBatcher(int sentence) {
        batcher.submit(List.of(model.tokenize(texts.get(sentence)))).join();
    }

    /** Every sentence once, by {@code callers} threads that each take the next one. */
    private int concurrently(int callers, IntTask task) throws Exception {
        int count = texts.size();
        List<Callable<Void>> work = new ArrayList<>();
        for (int c = 0; c < callers; c++) {
            int first = c;
            work.add(() -> {
                for (int i = first; i < count; i += callers) {
                    task.run(i);
                }
                return null;
            });
        }
        for (Future<Void> done : clients.invokeAll(work)) {
            done.get();
        }
        return count;
    }

    /** Every sentence once over keep-alive connections, one per sentence, opened in the warm-up. */
    private int overHttp(int callers) throws Exception {
        List<LoopbackClient> connections = this.connections.get(callers);
        if (connections == null) {
            connections = new ArrayList<>();
            for (String text : texts) {
                connections.add(new LoopbackClient(server.port(), "/v1/embeddings", "{\"input\": \"" + text + "\"}"));
            }
            this.connections.put(callers, connections);
        }
        List<LoopbackClient> open = connections;
        return concurrently(callers, i -> open.get(i).call());
    }

    @FunctionalInterface
    private interface IntTask {
        void run(int index) throws Exception;
    }

    private void print(PrintStream out, List<Row> rows, int runs) {
        out.printf("embeddings: %s (%s, %s), %d sentences of %d to %d tokens per run, %d runs%n", model.info().name(),
                model.info().backend(), model.info().runtime(), sentences.size(),
                sentences.stream().mapToInt(s -> s.length).min().orElse(0),
                sentences.stream().mapToInt(s -> s.length).max().orElse(0), runs);
        out.printf("%-32s %11s %12s %10s %16s%n", "path", "concurrency", "sentences/s", "x direct", "ms per sentence");
        double direct = rows.getFirst().sentencesPerSecond();
        for (Row row : rows) {
            String extra = row.concurrency() == 1 && !row.path().contains("inputs per call")
                    ? String.format("%+.3f", 1000 / row.sentencesPerSecond() - 1000 / direct) : "";
            out.printf("%-32s %11d %12.1f %10.2f %16s%n", row.path(), row.concurrency(), row.sentencesPerSecond(),
                    row.ratioToDirect(), extra);
        }
        out.println("ms per sentence: the fixed cost per one-input request over the direct path, one at a time");
        Row batched = rows.stream().filter(row -> row.path().equals("batcher") && row.concurrency() == CONCURRENT)
                .findFirst().orElseThrow();
        out.printf("batcher x%d / direct x1 %8.2fx  (floor %.2fx)%n", CONCURRENT, batched.ratioToDirect(), BATCHED_FLOOR);
    }


    @Override
    public void close() {
        for (List<LoopbackClient> open : connections.values()) {
            for (LoopbackClient connection : open) {
                try {
                    connection.close();
                } catch (IOException e) {
                    // the server closes too, right after
                }
            }
        }
        if (server != null) {
            server.close();
        }
        batcher.close();
        clients.shutdownNow();
    }
}
