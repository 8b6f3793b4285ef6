package dev.jvmllm.http;

import dev.jvmllm.api.FinishReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** A client that goes away in the middle of a stream cancels its generation. */
@Timeout(60) // a safety net against a hang, not a measurement
class StreamCancelTest {
    private final FakeServer fake = new FakeServer();

    @AfterEach
    void close() {
        fake.close();
    }

    @Test
    void disconnectMidStreamCancelsTheGeneration() throws Exception {
        fake.scheduler.manual = true;
        FakeScheduler.Generation generation;
        try (Socket socket = new Socket("127.0.0.1", fake.server.port())) {
            String body = "{\"prompt\":\"Hi\",\"stream\":true,\"max_tokens\":100000}";
            socket.getOutputStream().write(("POST /generate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            generation = fake.scheduler.next();
            generation.token("Once");
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
            String line;
            do {
                line = in.readLine();
            } while (!line.startsWith("data: "));
            assertThat(line).isEqualTo("data: {\"index\":0,\"token\":100,\"text\":\"Once\"}");
        }
        // the engine goes on producing; the server finds the client gone when a write fails
        for (int i = 0; i < 100_000 && !generation.isCancelled(); i++) {
            generation.token(" and");
        }
        generation.awaitCancel();

        assertThat(generation.result().join().finishReason()).isEqualTo(FinishReason.CANCELLED);
        fake.scheduler.manual = false;
        assertThat(fake.client.post("/generate", "{\"prompt\":\"Hi\"}").statusCode()).isEqualTo(200);
    }
}
