package dev.jvmllm.examples.failover;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * nginx ({@code deploy/nginx/jvmllm.conf.template}: {@code least_conn}, retries only where no replica
 * took the request) in front of two {@code llm serve} replicas of stories260K on the loopback, under
 * 16 concurrent clients sending streaming and non-streaming {@code /v1/completions}; replica A is
 * killed with SIGKILL, later started again on the same port.
 *
 * <p>Every request ends in one of these classes: succeeded (200 and complete: a JSON answer with a
 * {@code finish_reason}, or a stream ending with {@code data: [DONE]}), a 502 from nginx, cut short
 * (a 200 whose body ended before it was complete: the connection closed without the last chunk),
 * another status, a connection error (nginx itself refused), or hung (no whole answer within
 * {@link #REQUEST_TIMEOUT}). The test asserts:
 * <ul>
 * <li>none hung, none with another status or a connection error: each client got a success or a clear
 *     error;</li>
 * <li>failures only among the requests in flight at the kill: none ended before it, none started after
 *     the kill plus the template's {@code fail_timeout} (2 s), and at most one per client;</li>
 * <li>new requests go to the survivor, B, while A is down: they all succeed, nginx's retries carrying
 *     the ones it sent to A's closed port;</li>
 * <li>A takes requests again after its restart (its own {@code jvmllm_requests_submitted_total}), once
 *     its {@code /ready} says 200.</li>
 * </ul>
 *
 * <p>What the failures look like is nginx's, not a choice of the test: nginx cannot retry what it has
 * begun to send to the client, and the template does not retry a POST once it was sent (no
 * {@code non_idempotent}). So a request A had taken and not yet answered (queued, or a non-streaming
 * generation) is a 502; a stream A had begun is cut short after its headers and first tokens (its
 * client sees a 200 and then an I/O error, not a 502). Both are counted and printed, on lines starting
 * {@code nginx failover:}. That the kill catches any request in flight is likely (A is killed while it
 * reports an active sequence) but not asserted, as it depends on timing.
 */
class NginxFailoverTest {
    private static final int CLIENTS = 16;
    private static final int MAX_TOKENS = 200;
    /** A whole answer, stream or not, must come within this or the request counts as hung. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(180);
    /** Requests each replica must have taken before the kill, and A after its restart. */
    private static final int SERVED = 20;
    /** How long the load runs on B alone past the kill plus fail_timeout. */
    private static final Duration SURVIVOR_ONLY = Duration.ofSeconds(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<Replica> replicas = new ArrayList<>();
    private Nginx nginx;
    private HttpClient client;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> clients = new ArrayList<>();

    enum Outcome { SUCCEEDED, BAD_GATEWAY, CUT_SHORT, OTHER_STATUS, CONNECTION_ERROR, HUNG }

    record Result(Outcome outcome, boolean stream, int status, long startNanos, long endNanos, String detail) {
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        stop.set(true);
        for (Thread thread : clients) {
            thread.join(REQUEST_TIMEOUT.toMillis() + 5_000);
        }
        if (client != null) {
            client.shutdownNow();
        }
        if (nginx != null) {
            nginx.close();
        }
        for (Replica replica : replicas) {
            replica.stop();
        }
    }

    @Test
    void killedReplicaFailsOnlyItsOwnRequestsAndComesBackAfterRestart() throws Exception {
        Nginx.executable();
        Path model = TestAssets.stories();
        Replica a = new Replica("a", model, Nginx.freePort());
        Replica b = new Replica("b", model, Nginx.freePort());
        replicas.add(a);
        replicas.add(b);
        a.start();
        b.start();
        a.awaitReady();
        b.awaitReady();
        nginx = Nginx.start(dir.resolve("nginx"), Nginx.freePort(), a.address(), b.address());
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();

        ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
        AtomicInteger sequence = new AtomicInteger();
        for (int c = 0; c < CLIENTS; c++) {
            Thread thread = Thread.ofPlatform().name("client-" + c).daemon().start(() -> {
                while (!stop.get()) {
                    int n = sequence.getAndIncrement();
                    results.add(send(n % 2 == 1, n));
                }
            });
            clients.add(thread);
        }

        // both replicas busy
        awaitCondition("each replica took " + SERVED + " requests",
                () -> a.submitted() >= SERVED && b.submitted() >= SERVED);
        // kill A while it generates, if it does within 5 s
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        boolean generating = false;
        while (!generating && System.nanoTime() < until) {
            generating = a.activeSequences() > 0;
        }
        long killedAt = System.nanoTime();
        long killedAtMillis = System.currentTimeMillis();
        a.kill();
        long aDeadAt = System.nanoTime();
        long bAtKill = b.submitted();
        long settledAt = killedAt + TimeUnit.MILLISECONDS.toNanos(Nginx.FAIL_TIMEOUT_MILLIS);
        Thread.sleep(Nginx.FAIL_TIMEOUT_MILLIS + SURVIVOR_ONLY.toMillis());
        long bAlone = b.submitted() - bAtKill;

        long restartAt = System.nanoTime();
        a.start();
        a.awaitReady();
        long readyAt = System.nanoTime();
        awaitCondition("A takes " + SERVED + " requests after its restart", () -> a.submitted() >= SERVED);
        long aAfterRestart = a.submitted();

        stop.set(true);
        for (Thread thread : clients) {
            thread.join(REQUEST_TIMEOUT.toMillis() + 10_000);
            assertThat(thread.isAlive()).as("%s ended", thread.getName()).isFalse();
        }
        List<Result> all = List.copyOf(results);
        List<String> log = nginx.accessLog();
        // $msec of each request nginx sent to A's closed port first, then to B
        List<String> retried = log.stream().filter(line -> line.contains(a.address() + ", "))
                .map(line -> String.format("%+.1f s", Double.parseDouble(line.substring(0, line.indexOf(' ')))
                        - killedAtMillis / 1e3)).toList();

        Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
        for (Outcome outcome : Outcome.values()) {
            counts.put(outcome, count(all, r -> r.outcome() == outcome));
        }
        int streams = count(all, Result::stream);
        System.out.printf("nginx failover: requests %d (%d streaming, %d not), %d clients, max_tokens %d,"
                        + " A killed %s%n",
                all.size(), streams, all.size() - streams, CLIENTS, MAX_TOKENS,
                generating ? "while generating" : "(no active sequence seen in 5 s)");
        System.out.printf("nginx failover: succeeded %d (before the kill %d, from the kill to A ready %d, after %d)%n",
                counts.get(Outcome.SUCCEEDED),
                count(all, r -> r.outcome() == Outcome.SUCCEEDED && r.endNanos() < killedAt),
                count(all, r -> r.outcome() == Outcome.SUCCEEDED && r.endNanos() >= killedAt
                        && r.startNanos() < readyAt),
                count(all, r -> r.outcome() == Outcome.SUCCEEDED && r.startNanos() >= readyAt));
        System.out.printf("nginx failover: 502 from nginx %d (%d streaming, %d not)%n", counts.get(Outcome.BAD_GATEWAY),
                count(all, r -> r.outcome() == Outcome.BAD_GATEWAY && r.stream()),
                count(all, r -> r.outcome() == Outcome.BAD_GATEWAY && !r.stream()));
        System.out.printf("nginx failover: cut short after a 200 %d (%d streaming, %d not)%n",
                counts.get(Outcome.CUT_SHORT),
                count(all, r -> r.outcome() == Outcome.CUT_SHORT && r.stream()),
                count(all, r -> r.outcome() == Outcome.CUT_SHORT && !r.stream()));
        System.out.printf("nginx failover: other status %d, connection error %d, hung %d%n",
                counts.get(Outcome.OTHER_STATUS), counts.get(Outcome.CONNECTION_ERROR), counts.get(Outcome.HUNG));
        System.out.printf("nginx failover: sent to A's closed port and retried on B by nginx %d (ended at %s from"
                        + " the kill); B took %d while A was down (%.1f s); A took %d after its restart"
                        + " (%.1f s to ready)%n",
                retried.size(), String.join(", ", retried), bAlone, (restartAt - killedAt) / 1e9, aAfterRestart,
                (readyAt - restartAt) / 1e9);

        String report = "counts " + counts + "; not succeeded: " + all.stream()
                .filter(r -> r.outcome() != Outcome.SUCCEEDED).map(r -> describe(r, killedAt)).toList()
                + "\nnginx error log:\n" + nginx.errorLog();
        assertThat(counts.get(Outcome.HUNG)).as(report).isZero();
        assertThat(counts.get(Outcome.OTHER_STATUS)).as(report).isZero();
        assertThat(counts.get(Outcome.CONNECTION_ERROR)).as(report).isZero();
        List<Result> failed = all.stream().filter(r -> r.outcome() != Outcome.SUCCEEDED).toList();
        assertThat(failed).as("failures end after the kill: " + report).allMatch(r -> r.endNanos() >= killedAt);
        assertThat(failed).as("failures start before the kill plus fail_timeout: " + report)
                .allMatch(r -> r.startNanos() < settledAt);
        assertThat(failed.size()).as("at most the requests in flight at the kill, one per client: " + report)
                .isLessThanOrEqualTo(CLIENTS);
        assertThat(count(all, r -> r.startNanos() >= settledAt && r.outcome() == Outcome.SUCCEEDED))
                .as("requests after the kill plus fail_timeout")
                .isEqualTo(count(all, r -> r.startNanos() >= settledAt));
        assertThat(count(all, r -> r.startNanos() >= aDeadAt && r.startNanos() < restartAt
                && r.outcome() == Outcome.SUCCEEDED)).as("requests answered while A was down").isPositive();
        assertThat(bAlone).as("B took requests while A was down").isPositive();
        assertThat(aAfterRestart).as("A took requests after its restart").isGreaterThanOrEqualTo(SERVED);
    }

    private static int count(List<Result> results, Predicate<Result> which) {
        return (int) results.stream().filter(which).count();
    }

    private static String describe(Result r, long killedAt) {
        return String.format("%s%s %d started %+.3f s ended %+.3f s from the kill%s", r.outcome(),
                r.stream() ? " (stream)" : "", r.status(), (r.startNanos() - killedAt) / 1e9,
                (r.endNanos() - killedAt) / 1e9, r.detail().isEmpty() ? "" : ": " + r.detail());
    }

    /** One request through nginx, classified; never longer than {@link #REQUEST_TIMEOUT}. */
    private Result send(boolean stream, int n) {
        String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": " + MAX_TOKENS
                + ", \"temperature\": 0.8, \"seed\": " + n + ", \"stream\": " + stream + "}";
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nginx.port() + "/v1/completions"))
                .timeout(REQUEST_TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        AtomicInteger status = new AtomicInteger(-1);
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<String>> future = client.sendAsync(request, info -> {
            status.set(info.statusCode());
            return HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8);
        });
        try {
            HttpResponse<String> response = future.get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            long end = System.nanoTime();
            int code = response.statusCode();
            if (code == 200) {
                boolean complete = stream ? response.body().strip().endsWith("data: [DONE]")
                        : finished(response.body());
                return new Result(complete ? Outcome.SUCCEEDED : Outcome.CUT_SHORT, stream, code, start, end,
                        complete ? "" : "incomplete body of " + response.body().length() + " chars");
            }
            return new Result(code == 502 ? Outcome.BAD_GATEWAY : Outcome.OTHER_STATUS, stream, code, start, end,
                    code == 502 ? "" : abbreviate(response.body()));
        } catch (TimeoutException e) {
            future.cancel(true);
            return new Result(Outcome.HUNG, stream, status.get(), start, System.nanoTime(), "");
        } catch (ExecutionException e) {
            long end = System.nanoTime();
            // a status: the headers came, then the body broke off; none: no answer at all
            Outcome outcome = status.get() == 200 ? Outcome.CUT_SHORT
                    : status.get() == 502 ? Outcome.BAD_GATEWAY
                    : status.get() < 0 ? Outcome.CONNECTION_ERROR : Outcome.OTHER_STATUS;
            return new Result(outcome, stream, status.get(), start, end, String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            return new Result(Outcome.HUNG, stream, status.get(), start, System.nanoTime(), "interrupted");
        }
    }

    private static boolean finished(String body) {
        try {
            JsonNode reason = JSON.readTree(body).path("choices").path(0).path("finish_reason");
            return reason.isTextual() && !reason.asText().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private void awaitCondition(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("%s within %s", what, STARTUP_TIMEOUT).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** One {@code llm serve} child JVM on a fixed port, started from this test's own classpath. */
    private final class Replica {
        private final String name;
        private final Path model;
        private final int port;
        private final HttpClient probe = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        private Process process;
        private int starts;

        Replica(String name, Path model, int port) {
            this.name = name;
            this.model = model;
            this.port = port;
        }

        String address() {
            return "127.0.0.1:" + port;
        }

        void start() throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path log = dir.resolve("replica-" + name + "-" + (++starts) + ".log");
            // --threads 1: two replicas, nginx and the clients share the machine's cores
            process = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                    "-cp", System.getProperty("java.class.path"), "dev.jvmllm.examples.cli.LlmCommand", "serve",
                    "--model", model.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port),
                    "--threads", "1", "--parallel", "4", "--queue", "32", "--context", "1024")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        }

        /** Until {@code GET /ready} answers 200; fails if the process exits first. */
        void awaitReady() throws IOException, InterruptedException {
            long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
            while (true) {
                if (!process.isAlive()) {
                    throw new AssertionError("replica " + name + " exited with " + process.exitValue() + ":\n"
                            + Files.readString(dir.resolve("replica-" + name + "-" + starts + ".log")));
                }
                try {
                    if (get("/ready").statusCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // the port opens once the model is loaded
                }
                assertThat(System.nanoTime()).as("replica %s ready within %s", name, STARTUP_TIMEOUT)
                        .isLessThan(deadline);
                Thread.sleep(100);
            }
        }

        /** {@code jvmllm_requests_submitted_total} of this process; 0 while it does not answer. */
        long submitted() {
            return (long) metric("jvmllm_requests_submitted_total");
        }

        double activeSequences() {
            return metric("jvmllm_active_sequences");
        }

        private double metric(String name) {
            try {
                for (String line : get("/metrics").body().lines().toList()) {
                    if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    }
                }
                return 0;
            } catch (IOException e) {
                return 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            }
        }

        private HttpResponse<String> get(String path) throws IOException, InterruptedException {
            return probe.send(HttpRequest.newBuilder(URI.create("http://" + address() + path))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        }

        /** SIGKILL ({@link Process#destroyForcibly()} on Linux), and wait until the process is gone. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("replica %s gone after SIGKILL", name).isTrue();
        }

        /** SIGTERM (the server drains), SIGKILL if it has not exited after 20 s. */
        void stop() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
            probe.close();
        }
    }
}
