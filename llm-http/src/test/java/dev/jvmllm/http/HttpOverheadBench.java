package dev.jvmllm.http;

import com.sun.net.httpserver.HttpServer;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;

/**
 * Measures what the HTTP layer costs on loopback, to choose and check the server: a trivial
 * handler on {@code jdk.httpserver} (virtual threads) against a hand-written socket server (the
 * floor: one read and one write per request), Server-Sent Events with a flush per event, and the
 * whole {@link LlmServer} over a scheduler that generates instantly. The client is a minimal
 * keep-alive HTTP/1.1 client on raw sockets, so that it adds as little as possible.
 *
 * <p>Requests here follow each other at once, so every thread stays awake: this is the cost of
 * parsing and writing. It does not show what made {@link LlmServer} leave {@code jdk.httpserver}
 * for its own transport: the thread wake-ups per request once a core has idled through a whole
 * generation (see {@code SocketTransport}); {@code ./llm bench}'s http x1 rows show that cost.
 *
 * <p>Run (not a test), from the repository root, after {@code mvn -pl llm-http install}:
 * <pre>
 * mvn -q -pl llm-http dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java --enable-native-access=ALL-UNNAMED -cp llm-http/target/test-classes:llm-http/target/classes:$(cat /tmp/cp.txt) \
 *     [-Dbench=requests|streams] dev.jvmllm.http.HttpOverheadBench
 * </pre>
 */
public final class HttpOverheadBench {
    private static final byte[] TRIVIAL = "{}".getBytes(StandardCharsets.UTF_8);
    private static final int REQUESTS = 20_000;
    private static final int CLIENTS = 8;
    private static final int EVENTS = 20_000;
    private static final int ROUNDS = 5;
    private static final int PING_PONG_EVENTS = 500;
    private static final SynchronousQueue<Boolean> TURN = new SynchronousQueue<>();

    private HttpOverheadBench() {
    }

    public static void main(String[] args) throws Exception {
        // without it the JDK server's streamed events wait for delayed ACKs (Nagle); LlmServer sets TCP_NODELAY itself
        System.setProperty("sun.net.httpserver.nodelay", "true");
        System.out.println("cores=" + Runtime.getRuntime().availableProcessors() + ", " + Runtime.version());
        String only = System.getProperty("bench", "all"); // all, requests, streams
        boolean requests = !only.equals("streams");
        boolean streams = !only.equals("requests");
        if (requests) {
            try (ServerSocket raw = rawServer()) {
                requests("raw socket server (floor)", raw.getLocalPort(), "GET", "/", null);
            }
        }
        HttpServer jdk = jdkServer();
        try {
            int port = jdk.getAddress().getPort();
            if (requests) {
                requests("jdk.httpserver, trivial handler", port, "GET", "/", null);
            }
            if (streams) {
                events("jdk.httpserver, SSE flush per event", port, "/events");
                pingPong(port);
            }
        } finally {
            jdk.stop(0);
        }
        try (FakeServer fake = new FakeServer()) {
            int port = fake.server.port();
            if (requests) {
                requests("LlmServer GET /health", port, "GET", "/health", null);
                requests("LlmServer POST /v1/completions (5 tokens)", port, "POST", "/v1/completions",
                        "{\"model\":\"fake-model\",\"prompt\":\"Once upon a time\",\"max_tokens\":16,\"temperature\":0}");
            }
            if (streams) {
                fake.scheduler.script = Collections.nCopies(EVENTS, " word");
                events("LlmServer POST /v1/completions stream", port, "/v1/completions");
            }
        }
    }

    /**
     * Sequential latency with one client, then throughput with {@value #CLIENTS} clients; each the
     * median of {@value #ROUNDS} rounds after a warm-up, as other processes share the machine.
     */
    private static void requests(String name, int port, String method, String path, String body) throws Exception {
        double[] rates = new double[ROUNDS];
        double[] p50s = new double[ROUNDS];
        try (RawHttpClient client = new RawHttpClient(port)) {
            for (int i = 0; i < REQUESTS; i++) {
                client.call(method, path, body);
            }
            for (int round = 0; round < ROUNDS; round++) {
                long[] nanos = new long[REQUESTS];
                for (int i = 0; i < REQUESTS; i++) {
                    long start = System.nanoTime();
                    client.call(method, path, body);
                    nanos[i] = System.nanoTime() - start;
                }
                rates[round] = REQUESTS / (Arrays.stream(nanos).sum() / 1e9);
                Arrays.sort(nanos);
                p50s[round] = nanos[REQUESTS / 2] / 1e3;
            }
        }
        double[] concurrent = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            concurrent[round] = concurrentRate(port, method, path, body);
        }
        System.out.printf("%-46s 1 client: %6.0f req/s, p50 %5.1f us | %d clients: %6.0f req/s%n", name,
                median(rates), median(p50s), CLIENTS, median(concurrent));
    }

    private static double concurrentRate(int port, String method, String path, String body) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
            List<Future<?>> done = new ArrayList<>();
            long start = System.nanoTime();
            for (int c = 0; c < CLIENTS; c++) {
                done.add(pool.submit(() -> {
                    try (RawHttpClient client = new RawHttpClient(port)) {
                        for (int i = 0; i < REQUESTS / CLIENTS; i++) {
                            client.call(method, path, body);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
            return REQUESTS / ((System.nanoTime() - start) / 1e9);
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** A stream of {@value #EVENTS} events: the time per event as the client receives them, median of rounds. */
    private static void events(String name, int port, String path) throws Exception {
        String body = "{\"prompt\":\"Hi\",\"stream\":true,\"max_tokens\":" + EVENTS + "}";
        double[] micros = new double[ROUNDS];
        try (RawHttpClient client = new RawHttpClient(port)) {
            client.stream(path, body); // warm-up
            for (int round = 0; round < ROUNDS; round++) {
                long start = System.nanoTime();
                int events = client.stream(path, body);
                micros[round] = (System.nanoTime() - start) / 1e3 / events;
            }
        }
        System.out.printf("%-46s %d events: %5.2f us/event%n", name, EVENTS, median(micros));
    }

    /**
     * Tokens that come one at a time, as from a model: the handler writes an event and waits until
     * the client has read it. Shows what Nagle's algorithm does to a stream of small writes.
     */
    private static void pingPong(int port) throws Exception {
        double[] micros = new double[ROUNDS];
        try (RawHttpClient client = new RawHttpClient(port)) {
            client.pingPong(PING_PONG_EVENTS / 10, TURN);
            for (int round = 0; round < ROUNDS; round++) {
                long start = System.nanoTime();
                client.pingPong(PING_PONG_EVENTS, TURN);
                micros[round] = (System.nanoTime() - start) / 1e3 / PING_PONG_EVENTS;
            }
        }
        System.out.printf("%-46s %d events: %7.1f us/event%n", "jdk.httpserver, SSE one event at a time",
                PING_PONG_EVENTS, median(micros));
    }

    private static HttpServer jdkServer() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, TRIVIAL.length);
                exchange.getResponseBody().write(TRIVIAL);
            }
        });
        server.createContext("/events", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                byte[] event = "data: {\"index\":0,\"token\":100,\"text\":\" word\"}\n\n".getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < EVENTS; i++) {
                    out.write(event);
                    out.flush();
                }
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            }
        });
        server.createContext("/pingpong", exchange -> {
            try (exchange) {
                int count = Integer.parseInt(exchange.getRequestURI().getQuery());
                exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                byte[] event = "data: {\"index\":0,\"token\":100,\"text\":\" word\"}\n\n".getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < count; i++) {
                    out.write(event);
                    out.flush();
                    TURN.take(); // the client read it
                }
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        return server;
    }

    /** The floor: reads a request head, answers a fixed response, on a virtual thread per connection. */
    private static ServerSocket rawServer() throws IOException {
        ServerSocket server = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress());
        byte[] response = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
                .getBytes(StandardCharsets.UTF_8);
        Thread.ofPlatform().daemon().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    socket.setTcpNoDelay(true);
                    Thread.ofVirtual().start(() -> {
                        try (socket) {
                            InputStream in = new BufferedInputStream(socket.getInputStream());
                            OutputStream out = socket.getOutputStream();
                            while (RawHttpClient.readHead(in) != null) {
                                out.write(response);
                            }
                        } catch (IOException e) {
                            // the client closed the connection
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return server;
    }
}
