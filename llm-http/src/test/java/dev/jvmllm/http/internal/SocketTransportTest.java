package dev.jvmllm.http.internal;

import com.sun.net.httpserver.HttpExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP/1.1 framing of {@link SocketTransport}, byte for byte over a real socket: keep-alive
 * and pipelining, both body framings each way, {@code Expect: 100-continue}, and what it refuses.
 * Each refusal is followed by a request on a new connection, which must be served.
 */
class SocketTransportTest {
    private SocketTransport transport;

    /** Echoes the request: "METHOD PATH BODY", or streams the body back in two flushed chunks on /chunks. */
    private static void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String path = exchange.getRequestURI().getPath();
        switch (path) {
            case "/chunks" -> {
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                out.write("ab".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                out.write("cde".getBytes(StandardCharsets.US_ASCII));
                exchange.close();
            }
            case "/fail" -> throw new IllegalStateException("the handler broke");
            default -> {
                byte[] answer = (exchange.getRequestMethod() + " " + path + " " + new String(body, StandardCharsets.UTF_8))
                        .getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
                exchange.close();
            }
        }
    }

    @BeforeEach
    void start() throws IOException {
        transport = SocketTransport.start(new InetSocketAddress("127.0.0.1", 0), exchange -> {
            if (exchange.getRequestURI().getPath().equals("/ignore-body")) {
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
                return;
            }
            handle(exchange);
        });
    }

    @AfterEach
    void stop() {
        transport.close();
    }

    @Test
    void servesPipelinedRequestsInOrderOnOneConnection() throws IOException {
        try (Connection connection = connect()) {
            connection.send("POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                    + "GET /two HTTP/1.1\r\nHost: x\r\n\r\n");

            assertThat(connection.readResponse()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nPOST /one abc");
            assertThat(connection.readResponse()).endsWith("\r\n\r\nGET /two ");
            connection.send("GET /three HTTP/1.1\r\n\r\n");
            assertThat(connection.readResponse()).endsWith("GET /three ");
        }
    }

    @Test
    void aChunkedAnswerSendsOneChunkPerFlushAndEndsWithTheLastChunk() throws IOException {
        try (Connection connection = connect()) {
            connection.send("GET /chunks HTTP/1.1\r\n\r\n");

            String response = connection.readUntil("0\r\n\r\n");
            assertThat(response).contains("Transfer-Encoding: chunked\r\n").endsWith("\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n");
            connection.send("GET /after HTTP/1.1\r\n\r\n");
            assertThat(connection.readResponse()).endsWith("GET /after ");
        }
    }

    @Test
    void decodesAChunkedRequestBodyWithExtensionsAndTrailers() throws IOException {
        try (Connection connection = connect()) {
            connection.send("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "4;name=value\r\nhell\r\nA\r\no, world!!\r\n0\r\nTrailer: x\r\n\r\n");

            assertThat(connection.readResponse()).endsWith("POST /echo hello, world!!");
            connection.send("GET /next HTTP/1.1\r\n\r\n");
            assertThat(connection.readResponse()).endsWith("GET /next ");
        }
    }

    @Test
    void sendsContinueBeforeTheBodyIsRead() throws IOException {
        try (Connection connection = connect()) {
            connection.send("POST /echo HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");

            assertThat(connection.readUntil("\r\n\r\n")).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            connection.send("hello");
            assertThat(connection.readResponse()).startsWith("HTTP/1.1 200 OK").endsWith("POST /echo hello");
        }
    }

    @Test
    void headAnswersCarryNoBody() throws IOException {
        try (Connection connection = connect()) {
            connection.send("HEAD /x HTTP/1.1\r\n\r\nGET /y HTTP/1.1\r\n\r\n");

            String both = connection.readUntil("GET /y ");
            assertThat(both).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: 7\r\n");
            assertThat(both.indexOf("HEAD /x")).isEqualTo(-1);
        }
    }

    @Test
    void closesAfterAnAnswerWhenTheClientAsks() throws IOException {
        try (Connection connection = connect()) {
            connection.send("GET /bye HTTP/1.1\r\nConnection: close\r\n\r\n");

            assertThat(connection.readToEnd()).contains("Connection: close\r\n").endsWith("GET /bye ");
        }
    }

    @Test
    void closesAConnectionWhoseRequestBodyTheHandlerLeftUnread() throws IOException {
        try (Connection connection = connect()) {
            connection.send("POST /ignore-body HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody");

            // the unread body would be taken for the next request: the connection must end instead
            assertThat(connection.readToEnd()).startsWith("HTTP/1.1 204 ").contains("Connection: close\r\n");
        }
        assertServes();
    }

    @Test
    void refusesAMalformedRequestLineWith400() throws IOException {
        assertRefused("GARBAGE\r\n\r\n", 400, "malformed HTTP request line");
        assertRefused("GET relative HTTP/1.1\r\n\r\n", 400, "the request target must be a path");
        assertRefused("GET /x HTTP/1.1\r\nno colon here\r\n\r\n", 400, "malformed HTTP header line");
        assertRefused("POST /x HTTP/1.1\r\nContent-Length: 12x\r\n\r\n", 400, "malformed Content-Length: 12x");
        assertRefused("POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400,
                "conflicting Content-Length headers");
    }

    @Test
    void refusesWhatItDoesNotSpeak() throws IOException {
        assertRefused("GET /x HTTP/2.0\r\n\r\n", 505, "unsupported protocol HTTP/2.0");
        assertRefused("POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501,
                "the only transfer coding accepted is chunked, alone");
    }

    @Test
    void refusesAHeadOverTheLimitWith431() throws IOException {
        assertRefused("GET /x HTTP/1.1\r\nX-Big: " + "a".repeat(40_000) + "\r\n\r\n", 431,
                "the request head is larger than 32768 bytes");
    }

    @Test
    void aHandlerThatThrowsGets500AndTheServerGoesOn() throws IOException {
        assertRefused("GET /fail HTTP/1.1\r\n\r\n", 500, "internal error: java.lang.IllegalStateException: the handler broke");
    }

    @Test
    void closingEndsIdleConnections() throws IOException {
        try (Connection connection = connect()) {
            connection.send("GET /x HTTP/1.1\r\n\r\n");
            connection.readResponse();

            transport.close();

            assertThat(connection.in.read()).isEqualTo(-1);
        }
    }

    private void assertRefused(String request, int status, String message) throws IOException {
        try (Connection connection = connect()) {
            connection.send(request);
            String response = connection.readToEnd();
            assertThat(response).startsWith("HTTP/1.1 " + status + " ").contains("Connection: close\r\n");
            assertThat(response.substring(response.indexOf("\r\n\r\n") + 4))
                    .contains("\"message\":\"" + message + "\"");
        }
        assertServes();
    }

    @Test
    void connectionsPastThePlatformThreadsRunOnVirtualThreadsAndAClosedOneFreesItsPlatformThread() throws Exception {
        transport.close();
        transport = SocketTransport.start(new InetSocketAddress("127.0.0.1", 0), exchange -> {
            byte[] answer = (Thread.currentThread().isVirtual() ? "virtual" : "platform").getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        }, 1);
        String request = "GET /which HTTP/1.1\r\n\r\n";
        try (Connection first = connect(); Connection second = connect()) {
            first.send(request);
            assertThat(first.readResponse()).endsWith("platform");
            second.send(request);
            assertThat(second.readResponse()).endsWith("virtual");
            first.close(); // its thread ends once it reads the end of the stream, and frees its place

            String third = "";
            for (int attempt = 0; attempt < 100 && !third.endsWith("platform"); attempt++) {
                Thread.sleep(20);
                try (Connection next = connect()) {
                    next.send(request);
                    third = next.readResponse();
                }
            }
            assertThat(third).endsWith("platform");
            second.send(request);
            assertThat(second.readResponse()).endsWith("virtual");
        }
    }

    private void assertServes() throws IOException {
        try (Connection connection = connect()) {
            connection.send("GET /still-serving HTTP/1.1\r\n\r\n");
            assertThat(connection.readResponse()).endsWith("GET /still-serving ");
        }
    }

    private Connection connect() throws IOException {
        return new Connection(new Socket("127.0.0.1", transport.address().getPort()));
    }

    /** Raw bytes both ways; reads one byte at a time so that nothing past a response is consumed. */
    private static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            socket.setSoTimeout(10_000);
            this.in = socket.getInputStream();
        }

        void send(String text) throws IOException {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
        }

        /** A fixed-length response, head and body. */
        String readResponse() throws IOException {
            String head = readUntil("\r\n\r\n");
            int at = head.indexOf("Content-Length: ");
            int length = Integer.parseInt(head.substring(at + 16, head.indexOf("\r\n", at)));
            return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
        }

        String readUntil(String end) throws IOException {
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            while (!read.toString(StandardCharsets.ISO_8859_1).endsWith(end)) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("the connection closed after: " + read.toString(StandardCharsets.ISO_8859_1));
                }
                read.write(b);
            }
            return read.toString(StandardCharsets.ISO_8859_1);
        }

        /** Everything until the server closes the connection. */
        String readToEnd() throws IOException {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
