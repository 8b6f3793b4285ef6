package dev.jvmllm.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.TypeConversionException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code llm serve} as a process, stopped with SIGTERM ({@link Process#destroy()} on Linux) while 8
 * streams run on stories260K, {@code --parallel 8}: with a grace longer than the streams, they all
 * finish normally while new requests and the probes get 503 {@code shutting_down}; with a grace far
 * shorter, every stream ends with a shutdown error event and a queued non-streaming request gets a
 * 503. Either way the process exits 0, the second soon after the signal.
 *
 * <p>Nothing here depends on how fast the machine is, beyond generous bounds: stories260K at
 * temperature 0 does not reach its end-of-sequence token within these lengths (each stream ends by
 * {@code max_tokens}), the test waits for every stream's first token before the signal and for
 * {@code /health} to say 503 before it sends the refused request, and the streams of the first case
 * (8 × {@value #SHORT_TOKENS} tokens, a few seconds) are long enough to be still running then and
 * short enough to finish well within the default 30 s grace.
 */
@Timeout(300)
class ServeShutdownTest {
    private static final int STREAMS = 8;
    /** The first case's streams: a few seconds together. */
    private static final int SHORT_TOKENS = 300;
    /** The second case's: tens of seconds together, far past its grace. */
    private static final int LONG_TOKENS = 1500;
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** How soon after SIGTERM the process with a 300 ms grace must be gone: far below the default 30 s. */
    private static final Duration PROMPT_EXIT = Duration.ofSeconds(20);
    private static final Pattern SERVING = Pattern.compile("serving .* on http://127\\.0\\.0\\.1:(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private Process process;
    private Path log;
    private int port;

    @AfterEach
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        client.close();
    }

    @Test
    void sigtermLetsRunningStreamsFinishWithinTheGraceRefusesNewRequestsAndExitsZero() throws Exception {
        start(); // the default grace, 30 s
        List<Stream> streams = startStreams(SHORT_TOKENS);

        long signalled = System.nanoTime();
        process.destroy(); // SIGTERM
        awaitCondition("/health says 503 after SIGTERM", () -> statusOf("/health") == 503);

        assertShuttingDown(get("/health"), "the server is shutting down");
        assertShuttingDown(get("/ready"), "the server is shutting down");
        HttpResponse<String> refused = post(body(5, false));
        assertShuttingDown(refused, "the server is shutting down");
        long running = streams.stream().filter(stream -> !stream.end.isDone()).count();
        assertThat(running).as("streams still running after the refusal: it came while draining, not after")
                .isPositive();

        for (Stream stream : streams) {
            StreamEnd end = stream.end.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(end.status()).as(end.toString()).isEqualTo(200);
            assertThat(end.error()).as(end.toString()).isNull();
            assertThat(end.finishReason()).as(end.toString()).isEqualTo("length");
            assertThat(end.done()).as(end.toString()).isTrue();
        }
        assertExitsZero(WAIT);
        System.out.printf("serve shutdown: %d of %d streams still running at the refusal; exited %.2f s after SIGTERM"
                + " with the 30 s grace%n", running, STREAMS, (System.nanoTime() - signalled) / 1e9);
        assertThat(Files.readString(log)).contains("SIGTERM: draining; the requests in flight have 30 s");
    }

    @Test
    void withAGraceShorterThanTheStreamsTheyEndWithAShutdownErrorAndTheProcessExitsZeroPromptly() throws Exception {
        start("--shutdown-grace", "300ms");
        List<Stream> streams = startStreams(LONG_TOKENS);
        // a ninth request, waiting for a sequence: it answers once, with the whole text or an error
        CompletableFuture<HttpResponse<String>> queued = client.sendAsync(request("/v1/completions")
                .POST(HttpRequest.BodyPublishers.ofString(body(LONG_TOKENS, false))).build(),
                HttpResponse.BodyHandlers.ofString());
        awaitCondition("the ninth request queued", () -> health().path("queue_depth").asInt() == 1);

        long signalled = System.nanoTime();
        process.destroy(); // SIGTERM

        for (Stream stream : streams) {
            StreamEnd end = stream.end.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(end.status()).as(end.toString()).isEqualTo(200);
            assertThat(end.finishReason()).as("no finish_reason: %s", end).isNull();
            assertThat(end.error()).as(end.toString()).isNotNull();
            assertThat(end.error().path("code").asText()).isEqualTo("shutting_down");
            assertThat(end.error().path("type").asText()).isEqualTo("server_error");
            assertThat(end.error().path("message").asText())
                    .isEqualTo("the server shut down before the generation finished");
            assertThat(end.done()).as("[DONE] after the error: %s", end).isTrue();
            assertThat(end.tokens()).isPositive().isLessThan(LONG_TOKENS);
        }
        assertShuttingDown(queued.get(WAIT.toSeconds(), TimeUnit.SECONDS),
                "the server shut down before the generation finished");
        assertExitsZero(PROMPT_EXIT.minusNanos(System.nanoTime() - signalled));
        System.out.printf("serve shutdown: exited %.2f s after SIGTERM with a 300 ms grace%n",
                (System.nanoTime() - signalled) / 1e9);
    }

    @Test
    void shutdownGraceTakesUnitsAndRefusesNegativeOrMalformedValues() {
        assertThat(DurationConverter.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(DurationConverter.parse("30")).isEqualTo(Duration.ofSeconds(30));
        assertThat(DurationConverter.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationConverter.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(DurationConverter.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(DurationConverter.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(DurationConverter.parse("0")).isEqualTo(Duration.ZERO);
        assertThat(DurationConverter.parse("PT45S")).isEqualTo(Duration.ofSeconds(45));
        for (String bad : List.of("-1s", "-5", "-PT1S", "soon", "10x", "", "1e3s", "PT")) {
            assertThatThrownBy(() -> DurationConverter.parse(bad)).as(bad).isInstanceOf(TypeConversionException.class);
        }

        for (String bad : List.of("-1s", "thirty")) {
            StringWriter err = new StringWriter();
            int exit = LlmCommand.commandLine().setErr(new PrintWriter(err, true))
                    .execute("serve", "--model", "unused.gguf", "--shutdown-grace", bad);
            assertThat(exit).as(bad).isEqualTo(2); // picocli's usage error, before any model is opened
            assertThat(err.toString()).contains("Invalid value for option '--shutdown-grace'").contains(bad);
        }
    }

    /** {@code llm serve} on stories260K, 8 sequences, on a port of its choosing, until it listens. */
    private void start(String... extra) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        log = dir.resolve("serve.log");
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), "dev.jvmllm.examples.cli.LlmCommand", "serve",
                "--model", TestAssets.stories().toString(), "--host", "127.0.0.1", "--port", "0",
                "--parallel", Integer.toString(STREAMS), "--context", "2048"));
        command.addAll(List.of(extra));
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (true) {
            Matcher serving = SERVING.matcher(Files.readString(log));
            if (serving.find()) {
                port = Integer.parseInt(serving.group(1));
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("serve exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            assertThat(System.nanoTime()).as("serve listening within %s", STARTUP_TIMEOUT).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** {@value #STREAMS} streams of {@code maxTokens} tokens, once each has had its first token. */
    private List<Stream> startStreams(int maxTokens) throws InterruptedException {
        List<Stream> streams = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            streams.add(new Stream(maxTokens));
        }
        for (Stream stream : streams) {
            if (!stream.firstToken.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("no first token within " + WAIT + (stream.end.isDone()
                        ? ": " + stream.end.join() : "") + "\n" + serveLog());
            }
        }
        return streams;
    }

    private static String body(int maxTokens, boolean stream) {
        return "{\"prompt\": \"Once upon a time\", \"max_tokens\": " + maxTokens + ", \"temperature\": 0, \"stream\": "
                + stream + "}";
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(WAIT)
                .header("Content-Type", "application/json");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String body) throws IOException, InterruptedException {
        return client.send(request("/v1/completions").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private int statusOf(String path) {
        try {
            return get(path).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private JsonNode health() {
        try {
            return JSON.readTree(get("/health").body());
        } catch (IOException e) {
            return JSON.missingNode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return JSON.missingNode();
        }
    }

    private static void assertShuttingDown(HttpResponse<String> response, String message) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("shutting_down");
        assertThat(error.path("type").asText()).isEqualTo("server_error");
        assertThat(error.path("message").asText()).isEqualTo(message);
    }

    private void assertExitsZero(Duration within) throws InterruptedException, IOException {
        boolean exited = process.waitFor(Math.max(within.toMillis(), 0), TimeUnit.MILLISECONDS);
        assertThat(exited).as("serve exited within %s of the end of the test's waits:%n%s", within, serveLog()).isTrue();
        assertThat(process.exitValue()).as("exit status:%n%s", serveLog()).isZero();
    }

    private String serveLog() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void awaitCondition(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("%s within %s", what, WAIT).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** How a stream ended: its status, the tokens it brought, its finish reason or error, whether [DONE] came. */
    record StreamEnd(int status, int tokens, String finishReason, JsonNode error, boolean done, String detail) {
    }

    /** One streaming {@code /v1/completions} request, read line by line on a thread of its own. */
    private final class Stream {
        final CountDownLatch firstToken = new CountDownLatch(1);
        final CompletableFuture<StreamEnd> end = new CompletableFuture<>();

        Stream(int maxTokens) {
            HttpRequest request = request("/v1/completions")
                    .POST(HttpRequest.BodyPublishers.ofString(body(maxTokens, true))).build();
            Thread.ofVirtual().start(() -> {
                try {
                    end.complete(read(client.send(request, HttpResponse.BodyHandlers.ofInputStream())));
                } catch (Exception e) {
                    end.complete(new StreamEnd(-1, 0, null, null, false, e.toString()));
                }
            });
        }

        private StreamEnd read(HttpResponse<InputStream> response) throws IOException {
            int tokens = 0;
            String finishReason = null;
            JsonNode error = null;
            boolean done = false;
            StringBuilder other = new StringBuilder();
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.isEmpty()) {
                        continue;
                    }
                    if (!line.startsWith("data: ") || done) {
                        other.append(line).append('\n');
                        continue;
                    }
                    String data = line.substring("data: ".length());
                    if (data.equals("[DONE]")) {
                        done = true;
                        continue;
                    }
                    JsonNode event = JSON.readTree(data);
                    if (event.has("error")) {
                        error = event.get("error");
                        continue;
                    }
                    JsonNode choice = event.path("choices").path(0);
                    if (!choice.path("text").asText().isEmpty()) {
                        tokens++;
                        firstToken.countDown();
                    }
                    if (choice.hasNonNull("finish_reason")) {
                        finishReason = choice.get("finish_reason").asText();
                    }
                }
            }
            return new StreamEnd(response.statusCode(), tokens, finishReason, error, done, other.toString());
        }
    }
}
