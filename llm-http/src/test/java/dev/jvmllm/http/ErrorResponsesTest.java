package dev.jvmllm.http;

import dev.jvmllm.api.QueueFullException;
import dev.jvmllm.api.SchedulerClosedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** Every error status, in the OpenAI shape, each followed by a request that succeeds. */
class ErrorResponsesTest {
    private static final String KEY = "sk-test-123";
    private static final String VALID = "{\"model\":\"fake-model\",\"prompt\":\"Hi\"}";

    private final FakeServer fake = new FakeServer(builder -> builder.apiKey(KEY).maxBodyBytes(1024));

    {
        fake.client.apiKey = KEY;
    }

    @AfterEach
    void close() {
        fake.close();
    }

    @Test
    void malformedJsonIs400() {
        HttpResponse<String> response = fake.client.post("/v1/completions", "{\"prompt\": ");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(TestClient.json(response).at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(TestClient.json(response).at("/error/code").asText()).isEqualTo("invalid_json");
        assertThat(TestClient.json(response).at("/error/message").asText()).startsWith("malformed JSON: Unexpected end-of-input");
        assertServes();
    }

    @Test
    void bodyThatIsNotAnObjectIs400() {
        assertError(fake.client.post("/v1/completions", "[1, 2]"), 400, "invalid_request_error", "invalid_json",
                null, "the request body must be a JSON object");
        assertError(fake.client.post("/generate", ""), 400, "invalid_request_error", "invalid_json",
                null, "the request body must be a JSON object");
        assertServes();
    }

    @Test
    void fieldOfTheWrongTypeIs400() {
        assertError(fake.client.post("/v1/completions", "{\"prompt\":\"Hi\",\"max_tokens\":\"x\"}"), 400,
                "invalid_request_error", "invalid_type", "max_tokens", "'max_tokens' must be an integer");
        assertError(fake.client.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":7}]}"), 400,
                "invalid_request_error", "invalid_type", "messages[0].content",
                "'messages[0].content' must be a string or an array of text parts");
        assertError(fake.client.post("/generate", "{\"prompt\":\"Hi\",\"stream\":\"yes\"}"), 400,
                "invalid_request_error", "invalid_type", "stream", "'stream' must be a boolean");
        assertServes();
    }

    @Test
    void choicesOutsideOneToTheSequencesAre400() {
        int sequences = fake.scheduler.maxSequences();
        assertError(fake.client.post("/v1/completions", "{\"prompt\":\"Hi\",\"n\":0}"), 400, "invalid_request_error",
                "invalid_value", "n", "'n' must be in 1.." + sequences + " (the sequences this server generates at once;"
                        + " the choices of a request run together), got 0");
        assertServes();
        assertError(fake.client.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"n\":1000}"), 400, "invalid_request_error", "invalid_value", "n", "'n' must be in 1.." + sequences
                + " (the sequences this server generates at once; the choices of a request run together), got 1000");
        assertServes();
    }

    @Test
    void promptOfSeveralStringsIs400() {
        assertError(fake.client.post("/v1/completions", "{\"prompt\":[\"a\",\"b\"]}"), 400, "invalid_request_error",
                "invalid_value", "prompt", "'prompt' must be a string, an array of one string or an array of"
                        + " token ids: this server generates one completion per request");
        assertError(fake.client.post("/v1/completions", "{\"max_tokens\":3}"), 400, "invalid_request_error",
                "missing_required_parameter", "prompt", "'prompt' is required");
        assertServes();
    }

    @Test
    void samplingValueOutOfRangeIs400WithTheLibrarysMessage() {
        assertError(fake.client.post("/v1/completions", "{\"prompt\":\"Hi\",\"temperature\":-1}"), 400,
                "invalid_request_error", "invalid_value", null, "temperature must be a finite number >= 0, got -1.0");
        assertError(fake.client.post("/v1/completions", "{\"prompt\":\"Hi\",\"stop\":[\"\"]}"), 400,
                "invalid_request_error", "invalid_value", null, "stop strings must not be empty");
        assertServes();
    }

    @Test
    void missingApiKeyIs401() {
        fake.client.apiKey = null;
        HttpResponse<String> response = fake.client.post("/v1/completions", VALID);

        assertError(response, 401, "invalid_request_error", "invalid_api_key", null,
                "missing API key: send the header 'Authorization: Bearer <key>'");
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        fake.client.apiKey = KEY;
        assertServes();
    }

    @Test
    void wrongApiKeyIs401() {
        fake.client.apiKey = "sk-test-124";
        assertError(fake.client.post("/v1/completions", VALID), 401, "invalid_request_error", "invalid_api_key", null,
                "invalid API key");
        fake.client.apiKey = KEY;
        assertServes();
    }

    @Test
    void healthNeedsNoApiKey() {
        fake.client.apiKey = null;
        assertThat(fake.client.get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void unknownPathIs404() {
        assertError(fake.client.get("/v2/nothing"), 404, "invalid_request_error", "unknown_url", null,
                "no endpoint GET /v2/nothing");
        assertServes();
    }

    @Test
    void unknownModelIs404() {
        assertError(fake.client.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"),
                404, "invalid_request_error", "model_not_found", "model",
                "the model 'gpt-4o' does not exist; this server serves 'fake-model'");
        assertError(fake.client.get("/v1/models/gpt-4o"), 404, "invalid_request_error", "model_not_found", "model",
                "the model 'gpt-4o' does not exist; this server serves 'fake-model'");
        assertServes();
    }

    @Test
    void wrongMethodIs405() {
        HttpResponse<String> response = fake.client.get("/v1/completions");

        assertError(response, 405, "invalid_request_error", "method_not_allowed", null,
                "GET is not allowed on /v1/completions; use POST");
        assertThat(response.headers().firstValue("Allow")).hasValue("POST");
        assertServes();
    }

    @Test
    void declaredBodyOverTheLimitIs413() {
        String big = "{\"prompt\":\"" + "x".repeat(1100) + "\"}";

        assertError(fake.client.post("/v1/completions", big), 413, "invalid_request_error", "request_too_large", null,
                "the request body is larger than the limit of 1024 bytes");
        assertServes();
    }

    @Test
    void chunkedBodyOverTheLimitIs413() {
        byte[] big = ("{\"prompt\":\"" + "x".repeat(1100) + "\"}").getBytes();
        // a body of unknown length goes out chunked, without Content-Length
        HttpRequest.Builder request = fake.client.request("/v1/completions")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)));

        assertError(fake.client.send(request), 413, "invalid_request_error", "request_too_large", null,
                "the request body is larger than the limit of 1024 bytes");
        byte[] small = VALID.getBytes();
        HttpResponse<String> ok = fake.client.send(fake.client.request("/v1/completions")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(small))));
        assertThat(ok.statusCode()).isEqualTo(200);
    }

    @Test
    void fullQueueIs429WithRetryAfter() {
        fake.scheduler.refusal = new QueueFullException("the queue is full: 64 requests are waiting");
        HttpResponse<String> response = fake.client.post("/v1/completions", VALID);

        assertError(response, 429, "rate_limit_error", "queue_full", null, "the queue is full: 64 requests are waiting");
        assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
        fake.scheduler.refusal = null;
        assertServes();
    }

    @Test
    void closedSchedulerIs503() {
        fake.scheduler.refusal = new SchedulerClosedException("the scheduler is shutting down");

        assertError(fake.client.post("/generate", "{\"prompt\":\"Hi\"}"), 503, "server_error", "shutting_down", null,
                "the scheduler is shutting down");
        fake.scheduler.refusal = null;
        assertServes();
    }

    @Test
    void chatWithoutAnyTemplateIs400() {
        try (FakeServer noTemplate = new FakeServer(builder -> builder)) {
            assertError(noTemplate.client.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"),
                    400, "invalid_request_error", "invalid_value", "messages", "the model fake-model has no chat template"
                            + " and the server names none (--chat-template); built-in templates: chatml, llama3, zephyr,"
                            + " phi3, gemma");
        }
    }

    /** A valid completion succeeds: the server kept serving after the error. */
    private void assertServes() {
        HttpResponse<String> response = fake.client.post("/v1/completions", VALID);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(TestClient.json(response).at("/choices/0/text").asText()).isEqualTo("Once upon a time.");
    }

    static void assertError(HttpResponse<String> response, int status, String type, String code, String param,
                            String message) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        String expected = "{\"error\":{\"message\":" + quote(message) + ",\"type\":\"" + type + "\",\"param\":"
                + (param == null ? "null" : quote(param)) + ",\"code\":\"" + code + "\"}}";
        assertThat(response.body()).isEqualTo(expected);
    }

    private static String quote(String text) {
        try {
            return TestClient.JSON.writeValueAsString(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
