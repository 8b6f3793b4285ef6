package dev.jvmllm.http;

import dev.jvmllm.api.FinishReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Graceful shutdown: 503 for new requests, in-flight ones finish within the grace, then are cancelled. */
@Timeout(60)
class ShutdownTest {
    private final FakeServer fake = new FakeServer();

    @AfterEach
    void close() {
        fake.close();
    }

    @Test
    void drainingRefusesNewRequestsWith503AndLetsRunningOnesFinish() throws Exception {
        fake.scheduler.manual = true;
        CompletableFuture<HttpResponse<String>> running = CompletableFuture.supplyAsync(
                () -> fake.client.post("/generate", "{\"prompt\":\"Hi\"}"));
        FakeScheduler.Generation generation = fake.scheduler.next();

        CompletableFuture<Void> stopped = fake.server.shutdown(Duration.ofMinutes(5));
        HttpResponse<String> refused = fake.client.post("/v1/completions", "{\"prompt\":\"Hi\"}");
        ErrorResponsesTest.assertError(refused, 503, "server_error", "shutting_down", null, "the server is shutting down");
        assertThat(refused.headers().firstValue("Connection")).hasValue("close");
        assertThat(stopped).isNotDone();

        generation.token("Once");
        generation.finish(FinishReason.LENGTH);
        assertThat(running.get().statusCode()).isEqualTo(200);
        assertThat(TestClient.json(running.get()).get("text").asText()).isEqualTo("Once");
        stopped.get();
        assertThat(fake.server.shutdown(Duration.ZERO)).isSameAs(stopped);
        assertThatThrownBy(() -> fake.client.get("/health"))
                .isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(ConnectException.class);
    }

    @Test
    void requestsStillRunningAfterTheGraceAreCancelled() throws Exception {
        fake.scheduler.manual = true;
        CompletableFuture<HttpResponse<String>> running = CompletableFuture.supplyAsync(
                () -> fake.client.post("/v1/completions", "{\"prompt\":\"Hi\",\"stream\":true}"));
        FakeScheduler.Generation generation = fake.scheduler.next();
        generation.token("Once");

        fake.server.shutdown(Duration.ZERO).get();

        assertThat(generation.isCancelled()).isTrue();
        List<com.fasterxml.jackson.databind.JsonNode> events = Sse.events(running.get().body());
        assertThat(events).extracting(event -> event.at("/choices/0/text").asText()).containsExactly("Once", "");
        assertThat(events.getLast().at("/choices/0/finish_reason").asText()).isEqualTo("cancelled");
    }
}
