package dev.jvmllm.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Real clients over loopback against the embedded server's {@code /v1/completions}: each client
 * keeps its connection (a fresh one where the server closed it while idle), sends one request per
 * run and reads the whole answer (JSON, or the SSE stream up to {@code [DONE]}); the usage it
 * reports says how many tokens came.
 */
final class HttpPath implements BenchPath {
    static final String PATH = "http";
    static final String STREAM_PATH = "http-stream";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String backend;
    private final int concurrency;
    private final int cacheSequences;
    private final boolean streaming;
    private final List<LoopbackClient> clients = new ArrayList<>();
    private final ExecutorService threads;

    /** @param cacheSequences the {@code maxSequences} of the scheduler behind the server */
    HttpPath(String backend, int port, int cacheSequences, int concurrency, boolean streaming, Workload workload)
            throws Exception {
        this.backend = backend;
        this.cacheSequences = cacheSequences;
        this.concurrency = concurrency;
        this.streaming = streaming;
        String body = JSON.writeValueAsString(Map.of("prompt", workload.prompt(), "max_tokens", workload.tokens(),
                "temperature", 0, "stream", streaming, "stream_options", Map.of("include_usage", true)));
        for (int i = 0; i < concurrency; i++) {
            clients.add(new LoopbackClient(port, "/v1/completions", body));
        }
        this.threads = Executors.newFixedThreadPool(concurrency);
    }

    @Override
    public String path() {
        return streaming ? STREAM_PATH : PATH;
    }

    @Override
    public String backend() {
        return backend;
    }

    @Override
    public int concurrency() {
        return concurrency;
    }

    @Override
    public int cacheSequences() {
        return cacheSequences;
    }

    @Override
    public long runOnce() throws Exception {
        if (concurrency == 1) { // on the calling thread, as the direct and scheduled paths run theirs
            return completionTokens(clients.getFirst().call());
        }
        List<Future<Long>> answers = new ArrayList<>(concurrency);
        for (LoopbackClient client : clients) {
            answers.add(threads.submit(() -> completionTokens(client.call())));
        }
        long tokens = 0;
        for (Future<Long> answer : answers) {
            tokens += answer.get();
        }
        return tokens;
    }

    /** The usage of a JSON answer, or of the usage chunk that ends an SSE stream. */
    private long completionTokens(String answer) throws Exception {
        if (!streaming) {
            return JSON.readTree(answer).path("usage").path("completion_tokens").asLong();
        }
        int usage = answer.lastIndexOf("data: {");
        if (usage < 0 || !answer.endsWith("data: [DONE]\n\n")) {
            throw new IllegalStateException("the stream did not end with a usage chunk and [DONE]");
        }
        String chunk = answer.substring(usage + 6, answer.indexOf('\n', usage));
        return JSON.readTree(chunk).path("usage").path("completion_tokens").asLong();
    }

    @Override
    public void close() throws Exception {
        threads.shutdownNow();
        for (LoopbackClient client : clients) {
            client.close();
        }
    }
}
