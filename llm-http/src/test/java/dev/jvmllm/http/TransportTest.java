package dev.jvmllm.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the transport under {@link LlmServer} promises beyond the endpoints: HTTP/2 from the JDK's
 * client (h2c upgrade, ALPN over TLS), TLS from PEM files and from a keystore, the request
 * deadline against slowloris clients, the cap on open connections, CORS, several API keys.
 */
class TransportTest {
    private static final String COMPLETION = "{\"prompt\":\"Hi\",\"max_tokens\":5}";
    private static final String PASSWORD = "changeit";

    @TempDir
    Path dir;

    @Test
    void theJdkClientsDefaultHttp2GetsCorrectAnswers() throws Exception {
        try (FakeServer fake = new FakeServer(); HttpClient client = HttpClient.newHttpClient()) {
            assertThat(client.version()).isEqualTo(HttpClient.Version.HTTP_2);
            // a POST with a body asks for the h2c upgrade too; the server may answer it on HTTP/1.1
            HttpResponse<String> completion = client.send(post(fake.server.uri(), COMPLETION), HttpResponse.BodyHandlers.ofString());
            assertThat(completion.statusCode()).isEqualTo(200);
            assertThat(TestClient.json(completion).at("/choices/0/text").asText()).isEqualTo("Once upon a time.");
            // a GET is upgraded, and the connection carries HTTP/2 from then on
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create(fake.server.uri() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.version()).isEqualTo(HttpClient.Version.HTTP_2);
            HttpResponse<String> stream = client.send(post(fake.server.uri(), "{\"prompt\":\"Hi\",\"stream\":true}"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(stream.statusCode()).isEqualTo(200);
            assertThat(stream.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(Sse.events(stream.body()).stream().map(event -> event.at("/choices/0/text").asText()))
                    .containsExactly("Once", " upon", " a", " time", ".", "");
        }
    }

    @Test
    void tlsFromPemFilesMadeForTheTest() throws Exception {
        Path keystore = selfSignedKeystore();
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        writePem(keystore, cert, key);
        try (FakeServer fake = new FakeServer(builder -> builder.tls(cert, key));
             HttpClient client = HttpClient.newBuilder().sslContext(trusting(keystore)).build()) {
            assertThat(fake.server.uri().toString()).startsWith("https://127.0.0.1:");
            HttpResponse<String> completion = client.send(post(fake.server.uri(), COMPLETION), HttpResponse.BodyHandlers.ofString());
            assertThat(completion.statusCode()).isEqualTo(200);
            assertThat(completion.version()).isEqualTo(HttpClient.Version.HTTP_2); // by ALPN
            assertThat(TestClient.json(completion).at("/choices/0/text").asText()).isEqualTo("Once upon a time.");
        }
    }

    @Test
    void tlsFromAKeystore() throws Exception {
        Path keystore = selfSignedKeystore();
        try (FakeServer fake = new FakeServer(builder -> builder.tlsKeystore(keystore, PASSWORD.toCharArray()));
             HttpClient client = HttpClient.newBuilder().sslContext(trusting(keystore))
                     .version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create(fake.server.uri() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aTlsKeyThatCannotBeReadIsAClearError() {
        LlmServer server = LlmServer.builder(new FakeScheduler()).port(0)
                .tls(dir.resolve("missing-cert.pem"), dir.resolve("missing-key.pem")).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(server::start).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing-").hasMessageContaining("does not exist or cannot be read");
    }

    /**
     * 1,000 connections send a request line and then trickle their headers, a line every 500 ms:
     * each is closed once its head has taken the request timeout, not before, while a normal client
     * is served beside them.
     */
    @Test
    void slowlorisConnectionsAreCutOffAtTheRequestDeadline() throws Exception {
        Duration deadline = Duration.ofSeconds(3);
        int connections = 1000;
        try (FakeServer fake = new FakeServer(builder -> builder.requestTimeout(deadline))) {
            List<Socket> sockets = new ArrayList<>();
            long[] started = new long[connections];
            long[] closed = new long[connections];
            CountDownLatch allClosed = new CountDownLatch(connections);
            try {
                for (int i = 0; i < connections; i++) {
                    Socket socket = new Socket("127.0.0.1", fake.server.port());
                    started[i] = System.nanoTime();
                    socket.getOutputStream().write("POST /v1/completions HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                    sockets.add(socket);
                    int index = i;
                    Thread.ofVirtual().start(() -> {
                        try (InputStream in = socket.getInputStream()) {
                            while (in.read() >= 0) {
                                // the server sends nothing before it closes
                            }
                        } catch (IOException reset) {
                            // closed as well
                        }
                        closed[index] = System.nanoTime();
                        allClosed.countDown();
                    });
                }
                AtomicInteger trickled = new AtomicInteger();
                Thread trickler = Thread.ofPlatform().daemon().start(() -> {
                    byte[] line = "X-Trickle: a\r\n".getBytes(StandardCharsets.US_ASCII);
                    while (allClosed.getCount() > 0) {
                        for (Socket socket : sockets) {
                            try {
                                socket.getOutputStream().write(line);
                                trickled.incrementAndGet();
                            } catch (IOException gone) {
                                // cut off: the reader counts it
                            }
                        }
                        try {
                            Thread.sleep(500);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                // a normal client beside them
                List<Long> servedMicros = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    long start = System.nanoTime();
                    HttpResponse<String> response = fake.client.post("/v1/completions", COMPLETION);
                    servedMicros.add((System.nanoTime() - start) / 1000);
                    assertThat(response.statusCode()).isEqualTo(200);
                    assertThat(TestClient.json(response).at("/choices/0/text").asText()).isEqualTo("Once upon a time.");
                }
                long stillOpen = Arrays.stream(closed).filter(t -> t == 0).count();
                servedMicros.sort(null);
                System.out.printf("slowloris: %d connections trickling; a normal client's 20 requests took %.2f ms median,"
                                + " %.2f ms max, while %d of them were still open%n", connections,
                        servedMicros.get(10) / 1000.0, servedMicros.get(19) / 1000.0, stillOpen);

                assertThat(allClosed.await(deadline.toSeconds() + 60, TimeUnit.SECONDS)).as("every slow connection closed").isTrue();
                trickler.join();
                assertThat(trickled.get()).as("the heads were trickled").isGreaterThan(connections);
                long earliest = Long.MAX_VALUE;
                long latest = 0;
                for (int i = 0; i < connections; i++) {
                    long held = closed[i] - started[i];
                    earliest = Math.min(earliest, held);
                    latest = Math.max(latest, held);
                }
                System.out.printf("slowloris: connections closed %.2f to %.2f s after their request line (deadline %d s)%n",
                        earliest / 1e9, latest / 1e9, deadline.toSeconds());
                assertThat(earliest).as("none closed before the deadline").isGreaterThanOrEqualTo(deadline.toNanos());
            } finally {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
            // and the server goes on serving
            assertThat(fake.client.get("/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theConnectionCapRefusesTheExcessWithoutTouchingOpenConnections() throws Exception {
        try (FakeServer fake = new FakeServer(builder -> builder.maxConnections(4))) {
            List<RawHttpClient> open = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    RawHttpClient client = new RawHttpClient(fake.server.port());
                    open.add(client);
                    assertThat(new String(client.call("POST", "/v1/completions", COMPLETION), StandardCharsets.UTF_8))
                            .contains("Once upon a time.");
                }
                try (Socket excess = new Socket("127.0.0.1", fake.server.port())) {
                    OutputStream out = excess.getOutputStream();
                    out.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    String answer = new String(excess.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertThat(answer).startsWith("HTTP/1.1 503 ").contains("Retry-After: 1")
                            .contains("\"code\":\"too_many_connections\"");
                }
                for (RawHttpClient client : open) {
                    assertThat(new String(client.call("POST", "/v1/completions", COMPLETION), StandardCharsets.UTF_8))
                            .contains("Once upon a time.");
                }
            } finally {
                for (RawHttpClient client : open) {
                    client.close();
                }
            }
            // a slot freed is a slot to use
            awaitOk(fake, "/health");
        }
    }

    @Test
    void corsAnswersPreflightsAndMarksAnswersForTheAllowedOriginOnly() throws Exception {
        String origin = "https://app.example";
        try (FakeServer fake = new FakeServer(builder -> builder.chatTemplate("chatml").corsOrigin(origin).apiKey("k"))) {
            fake.client.apiKey = "k";
            HttpResponse<String> preflight = fake.client.send(fake.client.request("/v1/completions")
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", origin)
                    .header("Access-Control-Request-Method", "POST")
                    .header("Access-Control-Request-Headers", "authorization,content-type"));
            assertThat(preflight.statusCode()).isEqualTo(200);
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(origin);
            assertThat(preflight.headers().allValues("Access-Control-Allow-Methods")).contains("POST");

            HttpResponse<String> answer = fake.client.send(fake.client.request("/v1/completions").header("Origin", origin)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(COMPLETION)));
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.headers().firstValue("Access-Control-Allow-Origin")).hasValue(origin);

            HttpResponse<String> other = fake.client.send(fake.client.request("/v1/completions").header("Origin", "https://evil.example")
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(COMPLETION)));
            assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        }
        try (FakeServer fake = new FakeServer()) {
            HttpResponse<String> noCors = fake.client.send(fake.client.request("/v1/completions").header("Origin", origin)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(COMPLETION)));
            assertThat(noCors.statusCode()).isEqualTo(200);
            assertThat(noCors.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        }
    }

    @Test
    void everyKeyOfTheListIsAcceptedAndNoOther() {
        try (FakeServer fake = new FakeServer(builder -> builder.apiKeys(List.of("first-key", "second-key")))) {
            for (String key : List.of("first-key", "second-key")) {
                fake.client.apiKey = key;
                assertThat(fake.client.post("/v1/completions", COMPLETION).statusCode()).isEqualTo(200);
            }
            fake.client.apiKey = "first-key-not";
            HttpResponse<String> wrong = fake.client.post("/v1/completions", COMPLETION);
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(TestClient.json(wrong).at("/error/code").asText()).isEqualTo("invalid_api_key");
            fake.client.apiKey = null;
            assertThat(fake.client.get("/health").statusCode()).isEqualTo(200);
        }
    }

    private static void awaitOk(FakeServer fake, String path) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (fake.client.get(path).statusCode() == 200) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(path + " never answered 200");
    }

    private static HttpRequest post(URI base, String body) {
        return HttpRequest.newBuilder(URI.create(base + "/v1/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** A PKCS#12 keystore with a new RSA key and a self-signed certificate for 127.0.0.1, made by the JDK's keytool. */
    private Path selfSignedKeystore() throws IOException, InterruptedException {
        Path keystore = dir.resolve("server.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "RSA",
                "-keysize", "2048", "-validity", "2", "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("keytool: " + output).isZero();
        return keystore;
    }

    /** The keystore's certificate and private key (PKCS#8) as PEM files. */
    private static void writePem(Path keystore, Path cert, Path key) throws Exception {
        KeyStore store = load(keystore);
        Key privateKey = store.getKey("server", PASSWORD.toCharArray());
        Files.writeString(cert, pem("CERTIFICATE", store.getCertificate("server").getEncoded()));
        Files.writeString(key, pem("PRIVATE KEY", privateKey.getEncoded()));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static SSLContext trusting(Path keystore) throws Exception {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load(keystore));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static KeyStore load(Path keystore) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keystore.toFile())) {
            store.load(in, PASSWORD.toCharArray());
        }
        return store;
    }
}
