package dev.jvmllm.examples.bench;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bench's HTTP client against a server that closes connections as servers do. */
class LoopbackClientTest {
    private static final String BODY = "{\"prompt\":\"x\"}";

    /** Accepts one connection, reads one request, writes {@code answer} and closes; returns the request's body. */
    private static String answerOnce(ServerSocket server, String answer) {
        try (Socket socket = server.accept()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            int length = 0;
            for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            char[] body = new char[length];
            for (int read = 0; read < length; ) {
                read += in.read(body, read, length - read);
            }
            socket.getOutputStream().write(answer.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            return new String(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aConnectionClosedWhileIdleIsOpenedAgainAndTheRequestSentOnceMore() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
             LoopbackClient client = new LoopbackClient(server.getLocalPort(), "/v1/completions", BODY)) {
            server.accept().close(); // what a server does to a keep-alive connection idle too long
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() ->
                    answerOnce(server, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
            assertThat(client.call()).isEqualTo("ok");
            assertThat(received.get()).isEqualTo(BODY);
        }
    }

    @Test
    void aConnectionClosedAfterTheAnswerBeganIsAnErrorAndNotRetried() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
             LoopbackClient client = new LoopbackClient(server.getLocalPort(), "/v1/completions", BODY)) {
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() ->
                    answerOnce(server, "HTTP/1.1 200 OK\r\nContent-Le"));
            assertThatThrownBy(client::call).isInstanceOf(IOException.class);
            assertThat(received.get()).isEqualTo(BODY);
            server.setSoTimeout(200);
            assertThatThrownBy(server::accept).isInstanceOf(SocketTimeoutException.class);
        }
    }
}
