package dev.jvmllm.http;

import dev.jvmllm.api.FinishReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** A client that goes away cancels its generation: in the middle of a stream, or while it waits for a whole answer. */
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
        try (RawHttpClient client = new RawHttpClient(fake.server.port())) {
            client.send("POST", "/generate", "{\"prompt\":\"Hi\",\"stream\":true,\"max_tokens\":100000}");
            generation = fake.scheduler.next();
            generation.token("Once");
            BufferedReader in = new BufferedReader(new InputStreamReader(client.input(), StandardCharsets.UTF_8));
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

    @Test
    void aClientThatClosesWhileWaitingForAWholeAnswerCancelsTheGeneration() throws Exception {
        fake.scheduler.manual = true;
        FakeScheduler.Generation generation;
        try (RawHttpClient client = new RawHttpClient(fake.server.port())) {
            client.send("POST", "/v1/completions", "{\"prompt\":\"Hi\",\"max_tokens\":100000}");
            generation = fake.scheduler.next();
            generation.token("Once");
        }
        // nothing is written to a client waiting for JSON: the server must look for the closed connection
        generation.awaitCancel();

        assertThat(generation.result().join().finishReason()).isEqualTo(FinishReason.CANCELLED);
        fake.scheduler.manual = false;
        assertThat(fake.client.post("/v1/completions", "{\"prompt\":\"Hi\"}").statusCode()).isEqualTo(200);
    }

    @Test
    void aClientThatSendsItsNextRequestWhileWaitingIsNotMistakenForGone() throws Exception {
        fake.scheduler.manual = true;
        try (RawHttpClient client = new RawHttpClient(fake.server.port())) {
            String body = "{\"prompt\":\"Hi\",\"max_tokens\":5}";
            client.send("POST", "/v1/completions", body);
            FakeScheduler.Generation first = fake.scheduler.next();
            client.send("POST", "/v1/completions", body); // pipelined: the server reads ahead into it while it waits
            Thread.sleep(600); // three of the server's looks for a closed connection (every 200 ms)
            first.token("Once");
            first.finish(FinishReason.LENGTH);
            FakeScheduler.Generation second = fake.scheduler.next();
            second.token("Twice");
            second.finish(FinishReason.LENGTH);

            // both answers, one after the other on the connection
            InputStreamReader in = new InputStreamReader(client.input(), StandardCharsets.UTF_8);
            StringBuilder answers = new StringBuilder();
            while (!answers.toString().contains("\"text\":\"Twice\"")) {
                int c = in.read();
                assertThat(c).as("the server closed the connection after: %s", answers).isNotNegative();
                answers.append((char) c);
            }
            assertThat(answers.toString().split("HTTP/1.1 200 OK", -1)).hasSize(3);
            assertThat(answers.toString()).contains("\"text\":\"Once\"");
            assertThat(first.isCancelled()).isFalse();
            assertThat(second.isCancelled()).isFalse();
        }
    }
}
