package dev.jvmllm.http;

import com.fasterxml.jackson.databind.JsonNode;
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

/**
 * Graceful shutdown: 503 for new requests and the probes, in-flight ones finish within the grace,
 * then are cancelled with a shutdown error (503, or a stream's last error event).
 */
@Timeout(60)
class ShutdownTest {
    private static final String SHUTDOWN_ERROR = "{\"error\":{\"message\":\"the server shut down before the generation"
            + " finished\",\"type\":\"server_error\",\"param\":null,\"code\":\"shutting_down\"}}";
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
        // the probes say so too: a balancer takes the replica out, a liveness probe sees it going
        ErrorResponsesTest.assertError(fake.client.get("/health"), 503, "server_error", "shutting_down", null,
                "the server is shutting down");
        ErrorResponsesTest.assertError(fake.client.get("/ready"), 503, "server_error", "shutting_down", null,
                "the server is shutting down");
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
    void streamsStillRunningAfterTheGraceEndWithAShutdownErrorEvent() throws Exception {
        fake.scheduler.manual = true;
        CompletableFuture<HttpResponse<String>> running = CompletableFuture.supplyAsync(
                () -> fake.client.post("/v1/completions", "{\"prompt\":\"Hi\",\"stream\":true}"));
        FakeScheduler.Generation generation = fake.scheduler.next();
        generation.token("Once");

        fake.server.shutdown(Duration.ZERO).get();

        assertThat(generation.isCancelled()).isTrue();
        assertThat(running.get().statusCode()).isEqualTo(200);
        List<JsonNode> events = Sse.events(running.get().body());
        assertThat(events).hasSize(2);
        assertThat(events.getFirst().at("/choices/0/text").asText()).isEqualTo("Once");
        // no finish_reason "cancelled" that a client could take for a whole answer: an error, then [DONE]
        assertThat(events.getLast().toString()).isEqualTo(SHUTDOWN_ERROR);
    }

    @Test
    void chatStreamsToo() throws Exception {
        fake.scheduler.manual = true;
        CompletableFuture<HttpResponse<String>> running = CompletableFuture.supplyAsync(
                () -> fake.client.post("/v1/chat/completions",
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true,\"n\":2}"));
        FakeScheduler.Generation first = fake.scheduler.next();
        FakeScheduler.Generation second = fake.scheduler.next();
        first.token("Once");
        second.token("Twice");

        fake.server.shutdown(Duration.ZERO).get();

        assertThat(first.isCancelled()).isTrue();
        assertThat(second.isCancelled()).isTrue();
        List<JsonNode> events = Sse.events(running.get().body());
        assertThat(events.getLast().toString()).isEqualTo(SHUTDOWN_ERROR);
        assertThat(events.subList(0, events.size() - 1))
                .allSatisfy(event -> assertThat(event.at("/choices/0/finish_reason").isNull()).isTrue());
    }

    @Test
    void requestsWaitingForTheWholeAnswerAfterTheGraceGet503() throws Exception {
        fake.scheduler.manual = true;
        CompletableFuture<HttpResponse<String>> completions = CompletableFuture.supplyAsync(
                () -> fake.client.post("/v1/completions", "{\"prompt\":\"Hi\"}"));
        fake.scheduler.next().token("Once");
        CompletableFuture<HttpResponse<String>> generate = CompletableFuture.supplyAsync(
                () -> fake.client.post("/generate", "{\"prompt\":\"Hi\"}"));
        fake.scheduler.next();

        fake.server.shutdown(Duration.ZERO).get();

        for (HttpResponse<String> response : List.of(completions.get(), generate.get())) {
            ErrorResponsesTest.assertError(response, 503, "server_error", "shutting_down", null,
                    "the server shut down before the generation finished");
            assertThat(response.headers().firstValue("Connection")).hasValue("close");
        }
    }

    @Test
    void aGenerationCancelledOtherwiseWhileDrainingStillEndsAsCancelled() throws Exception {
        fake.scheduler.manual = true;
        CompletableFuture<HttpResponse<String>> running = CompletableFuture.supplyAsync(
                () -> fake.client.post("/v1/completions", "{\"prompt\":\"Hi\",\"stream\":true}"));
        FakeScheduler.Generation generation = fake.scheduler.next();
        CompletableFuture<Void> stopped = fake.server.shutdown(Duration.ofMinutes(5));

        generation.token("Once");
        generation.finish(FinishReason.CANCELLED); // within the grace, not by the shutdown

        List<JsonNode> events = Sse.events(running.get().body());
        assertThat(events.getLast().at("/choices/0/finish_reason").asText()).isEqualTo("cancelled");
        assertThat(events).noneMatch(event -> event.has("error"));
        stopped.get();
    }
}
