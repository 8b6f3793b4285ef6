package dev.jvmllm.examples.failover;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retry policy of {@code deploy/nginx/jvmllm.conf.template}, answer by answer, against scripted
 * replicas (raw sockets, no model), so that each case is exact: a POST goes to the other replica after
 * a refused connection, a 429 or a 503 (with its body intact), and never once a replica took the
 * request and then died, before its answer (a 502 to the client) or in the middle of a stream (the
 * client's stream is cut short). {@link NginxFailoverTest} runs the same file against real replicas.
 */
class NginxRetryPolicyTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<AutoCloseable> opened = new ArrayList<>();
    private HttpClient client;

    @BeforeEach
    void nginxIsThere() {
        Nginx.executable();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : opened.reversed()) {
            closeable.close();
        }
        client.close();
    }

    @Test
    void refusedConnectionGoesToTheOtherReplica() throws Exception {
        FakeReplica ok = fake(Mode.OK);
        int nothing = Nginx.freePort();
        Nginx nginx = nginx("127.0.0.1:" + nothing, ok.address());
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> response = post(nginx, "refused-" + i);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("refused-" + i);
        }
        assertThat(ok.bodies()).containsExactly("refused-0", "refused-1", "refused-2", "refused-3");
        assertThat(String.join("\n", nginx.accessLog())).contains("127.0.0.1:" + nothing + ", " + ok.address());
    }

    @Test
    void queueFullIsRetriedOnTheOtherReplicaWithTheSameBody() throws Exception {
        refusalIsRetried(Mode.QUEUE_FULL);
    }

    @Test
    void shuttingDownIsRetriedOnTheOtherReplicaWithTheSameBody() throws Exception {
        refusalIsRetried(Mode.SHUTTING_DOWN);
    }

    private void refusalIsRetried(Mode refusing) throws Exception {
        FakeReplica full = fake(refusing);
        FakeReplica ok = fake(Mode.OK);
        Nginx nginx = nginx(full.address(), ok.address());
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String body = refusing.name().toLowerCase(Locale.ROOT) + "-" + i;
            sent.add(body);
            HttpResponse<String> response = post(nginx, body);
            assertThat(response.statusCode()).as("through nginx; its access log:%n%s", nginx.accessLog())
                    .isEqualTo(200);
            assertThat(response.body()).isEqualTo(body);
        }
        assertThat(ok.bodies()).containsExactlyElementsOf(sent);
        // least_conn alternates between two idle replicas: the refusing one is asked, refuses, the other answers
        assertThat(full.bodies()).isNotEmpty().isSubsetOf(sent);
    }

    @Test
    void replicaThatDiesAfterTakingTheRequestIsNotRetried() throws Exception {
        FakeReplica dies = fake(Mode.DIE_BEFORE_ANSWER);
        FakeReplica ok = fake(Mode.OK);
        Nginx nginx = nginx(dies.address(), ok.address());
        List<String> badGateway = new ArrayList<>();
        // the first request goes to the first server of the upstream; after it fails, that one is out for 2 s
        for (int i = 0; i < 4 && badGateway.isEmpty(); i++) {
            String body = "dies-" + i;
            HttpResponse<String> response = post(nginx, body);
            if (response.statusCode() == 502) {
                badGateway.add(body);
            } else {
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo(body);
            }
        }
        assertThat(badGateway).as("a 502 for the request the replica died on").hasSize(1);
        assertThat(dies.bodies()).containsExactlyElementsOf(badGateway);
        assertThat(ok.bodies()).as("never sent again").doesNotContainAnyElementsOf(badGateway);
        // and the survivor takes the next ones
        assertThat(post(nginx, "after").statusCode()).isEqualTo(200);
        assertThat(ok.bodies()).contains("after");
    }

    @Test
    void streamCutByADyingReplicaIsCutShortForTheClientAndNotRetried() throws Exception {
        FakeReplica dies = fake(Mode.DIE_IN_STREAM);
        FakeReplica ok = fake(Mode.OK);
        Nginx nginx = nginx(dies.address(), ok.address());
        int cut = 0;
        for (int i = 0; i < 4 && cut == 0; i++) {
            String body = "stream-" + i;
            try {
                HttpResponse<String> response = post(nginx, body);
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo(body);
            } catch (IOException e) {
                // the headers and the first event came, then the connection closed without the last chunk
                cut++;
                assertThat(dies.bodies()).contains(body);
                assertThat(ok.bodies()).doesNotContain(body);
            }
        }
        assertThat(cut).as("a stream cut short").isEqualTo(1);
    }

    private HttpResponse<String> post(Nginx nginx, String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nginx.port() + "/v1/completions"))
                .timeout(TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            return client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new AssertionError(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no answer through nginx within " + TIMEOUT, e);
        }
    }

    private FakeReplica fake(Mode mode) throws IOException {
        FakeReplica fake = new FakeReplica(mode);
        opened.add(fake);
        return fake;
    }

    private Nginx nginx(String replica1, String replica2) throws IOException, InterruptedException {
        Nginx nginx = Nginx.start(dir.resolve("nginx"), Nginx.freePort(), replica1, replica2);
        opened.add(nginx);
        return nginx;
    }

    private enum Mode {
        /** 200, the request's body as the answer. */
        OK,
        /** 429 queue_full with Retry-After, as a replica whose queue is full. */
        QUEUE_FULL,
        /** 503 shutting_down with Connection: close, as a draining replica. */
        SHUTTING_DOWN,
        /** Reads the whole request, then closes the connection: a replica killed while generating. */
        DIE_BEFORE_ANSWER,
        /** Sends the headers and one event of a stream, then closes: killed in the middle of a stream. */
        DIE_IN_STREAM
    }

    /** One scripted replica: HTTP/1.1 with keep-alive on a raw socket, recording each request body. */
    private static final class FakeReplica implements AutoCloseable {
        private final Mode mode;
        private final ServerSocket listener;
        private final List<String> bodies = new CopyOnWriteArrayList<>();
        private final List<Socket> connections = new CopyOnWriteArrayList<>();

        FakeReplica(Mode mode) throws IOException {
            this.mode = mode;
            this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(this::accept);
        }

        String address() {
            return "127.0.0.1:" + listener.getLocalPort();
        }

        List<String> bodies() {
            return List.copyOf(bodies);
        }

        private void accept() {
            while (!listener.isClosed()) {
                try {
                    Socket socket = listener.accept();
                    connections.add(socket);
                    Thread.ofVirtual().start(() -> serve(socket));
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void serve(Socket socket) {
            try (socket) {
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    int length = 0;
                    for (String line : head.split("\r\n")) {
                        int colon = line.indexOf(':');
                        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
                            length = Integer.parseInt(line.substring(colon + 1).trim());
                        }
                    }
                    String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                    bodies.add(body);
                    switch (mode) {
                        case OK -> respond(out, "200 OK", "", body);
                        case QUEUE_FULL -> respond(out, "429 Too Many Requests", "Retry-After: 1\r\n",
                                "{\"error\":{\"code\":\"queue_full\"}}");
                        case SHUTTING_DOWN -> {
                            respond(out, "503 Service Unavailable", "Connection: close\r\n",
                                    "{\"error\":{\"code\":\"shutting_down\"}}");
                            return;
                        }
                        case DIE_BEFORE_ANSWER -> {
                            return;
                        }
                        case DIE_IN_STREAM -> {
                            String event = "data: {\"choices\":[{\"text\":\"Once\"}]}\n\n";
                            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                    + "Transfer-Encoding: chunked\r\n\r\n"
                                    + Integer.toHexString(event.length()) + "\r\n" + event + "\r\n")
                                    .getBytes(StandardCharsets.UTF_8));
                            out.flush();
                            Thread.sleep(100);
                            return;
                        }
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the connection is gone: nothing to answer
            }
        }

        private static void respond(OutputStream out, String status, String headers, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\n" + headers
                    + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(bytes);
            out.flush();
        }

        /** The request line and headers, or null at the end of the connection. */
        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.write(b);
                matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            return head.toString(StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket socket : connections) {
                socket.close();
            }
        }
    }
}
