package dev.jvmllm.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Real clients over loopback against the embedded server's {@code /v1/completions}: each client
 * sends one request and reads the whole answer (JSON, or the SSE stream up to {@code [DONE]}).
 */
final class HttpPath implements BenchPath {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String backend;
    private final int concurrency;
    private final boolean streaming;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
    private final URI uri;
    private final String body;

    HttpPath(String backend, int port, int concurrency, boolean streaming, String prompt, int maxTokens) throws Exception {
        this.backend = backend;
        this.concurrency = concurrency;
        this.streaming = streaming;
        this.uri = URI.create("http://127.0.0.1:" + port + "/v1/completions");
        this.body = JSON.writeValueAsString(Map.of("prompt", prompt, "max_tokens", maxTokens, "temperature", 0,
                "stream", streaming, "stream_options", Map.of("include_usage", true)));
    }

    @Override
    public String path() {
        return streaming ? "http-stream" : "http";
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
    public long runOnce() throws Exception {
        List<Future<Long>> answers = new ArrayList<>(concurrency);
        for (int i = 0; i < concurrency; i++) {
            answers.add(clients.submit(this::oneRequest));
        }
        long tokens = 0;
        for (Future<Long> answer : answers) {
            tokens += answer.get();
        }
        return tokens;
    }

    private long oneRequest() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + response.statusCode() + ": "
                        + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            if (!streaming) {
                return JSON.readTree(in).path("usage").path("completion_tokens").asLong();
            }
            return usageOfStream(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
        }
    }

    /**
     * Reads the SSE stream to its end; the usage chunk before {@code [DONE]} says how many tokens came.
     * Only that chunk is parsed: the client shares the machine's cores with the server and the
     * model, so it should cost what a lean real client costs.
     */
    private static long usageOfStream(BufferedReader reader) throws Exception {
        long tokens = -1;
        for (String line; (line = reader.readLine()) != null; ) {
            if (!line.startsWith("data: ")) {
                continue;
            }
            String data = line.substring(6);
            if (data.equals("[DONE]")) {
                break;
            }
            if (data.contains("\"completion_tokens\"")) {
                tokens = JSON.readTree(data).path("usage").path("completion_tokens").asLong();
            }
        }
        if (tokens < 0) {
            throw new IllegalStateException("the stream ended without a usage chunk");
        }
        return tokens;
    }

    @Override
    public void close() {
        clients.close();
        client.close();
    }
}
