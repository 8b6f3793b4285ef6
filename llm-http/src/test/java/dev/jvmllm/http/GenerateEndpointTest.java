package dev.jvmllm.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.LlmException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The seed-style {@code POST /generate}, whole and streamed. */
class GenerateEndpointTest {
    private static final String ID = "gen-[0-9a-f]{8}-\\d+";
    private static final String USAGE_AND_TIMINGS = "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":3,"
            + "\"total_tokens\":6,\"prompt_tokens_details\":{\"cached_tokens\":0}},"
            + "\"timings\":{\"queued_ms\":1.0,\"time_to_first_token_ms\":2.0,\"total_ms\":3.0}";

    private final FakeServer fake = new FakeServer();

    @AfterEach
    void close() {
        fake.close();
    }

    @Test
    void answersWithTextTokensFinishReasonUsageAndTimings() {
        HttpResponse<String> response = fake.client.post("/generate", "{\"prompt\":\"Hi\",\"max_tokens\":3,\"temperature\":0}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(Sse.withoutId(TestClient.json(response), ID)).isEqualTo(Sse.parse("{\"model\":\"fake-model\","
                + "\"text\":\"Once upon a\",\"tokens\":[100,101,102],\"finish_reason\":\"length\"," + USAGE_AND_TIMINGS + "}"));
    }

    @Test
    void streamsOneEventPerTokenThenTheFinishThenDone() {
        HttpResponse<String> response = fake.client.post("/generate", "{\"prompt\":\"Hi\",\"max_tokens\":3,\"stream\":true}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
        List<JsonNode> events = Sse.events(response.body());
        assertThat(events).hasSize(4);
        assertThat(events.subList(0, 3)).containsExactly(
                Sse.parse("{\"index\":0,\"token\":100,\"text\":\"Once\"}"),
                Sse.parse("{\"index\":1,\"token\":101,\"text\":\" upon\"}"),
                Sse.parse("{\"index\":2,\"token\":102,\"text\":\" a\"}"));
        assertThat(Sse.withoutId(events.get(3), ID)).isEqualTo(
                Sse.parse("{\"text\":\"\",\"finish_reason\":\"length\"," + USAGE_AND_TIMINGS + "}"));
    }

    @Test
    void finalEventCarriesTheTextNoTokenCarried() throws Exception {
        fake.scheduler.manual = true;
        CompletableFuture<HttpResponse<String>> response = CompletableFuture.supplyAsync(
                () -> fake.client.post("/generate", "{\"prompt\":\"Hi\",\"stream\":true,\"stop\":\"time.\"}"));
        FakeScheduler.Generation generation = fake.scheduler.next();
        generation.token("Once");
        generation.token(" upon");
        generation.token(" a"); // the scheduler held " a" back: it could have begun a stop string
        generation.finish(FinishReason.LENGTH, "Once upon a ti");

        List<JsonNode> events = Sse.events(response.get().body());
        assertThat(events.get(3).get("text").asText()).isEqualTo(" ti");
        assertThat(events.get(3).get("finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void failureAfterTheFirstTokenEndsTheStreamWithAnErrorEvent() throws Exception {
        fake.scheduler.manual = true;
        CompletableFuture<HttpResponse<String>> response = CompletableFuture.supplyAsync(
                () -> fake.client.post("/generate", "{\"prompt\":\"Hi\",\"stream\":true}"));
        FakeScheduler.Generation generation = fake.scheduler.next();
        generation.token("Once");
        generation.fail(new LlmException("the backend failed"));

        assertThat(response.get().statusCode()).isEqualTo(200);
        assertThat(response.get().body()).isEqualTo("data: {\"index\":0,\"token\":100,\"text\":\"Once\"}\n\n"
                + "data: {\"error\":{\"message\":\"the backend failed\",\"type\":\"server_error\",\"param\":null,"
                + "\"code\":\"internal_error\"}}\n\n"
                + "data: [DONE]\n\n");
    }

    @Test
    void failureWithoutStreamingIs500() throws Exception {
        fake.scheduler.manual = true;
        CompletableFuture<HttpResponse<String>> response = CompletableFuture.supplyAsync(
                () -> fake.client.post("/generate", "{\"prompt\":\"Hi\"}"));
        fake.scheduler.next().fail(new LlmException("the backend failed"));

        ErrorResponsesTest.assertError(response.get(), 500, "server_error", "internal_error", null, "the backend failed");
        fake.scheduler.manual = false;
        assertThat(fake.client.post("/generate", "{\"prompt\":\"Hi\"}").statusCode()).isEqualTo(200);
    }
}
