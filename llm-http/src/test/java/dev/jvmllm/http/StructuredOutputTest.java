package dev.jvmllm.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.jvmllm.api.Backends;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Structured output on the real models over HTTP, sampled at temperature 0.8 on 8 sequences at
 * once: every answer to a {@code json_schema} response format parses and validates against its
 * schema (checked by networknt's validator, formats asserted), and every answer with
 * {@code tool_choice: "required"} is a call of one of the three tools with arguments that
 * validate against that tool's parameters. The schemas bound their strings and arrays, and the
 * grammar bounds numbers and whitespace (up to 21 characters between tokens, which a small model
 * may spend one token per space on: one answer once ran past 400 tokens that way), so every
 * output completes within {@link #MAX_TOKENS}.
 */
class StructuredOutputTest {
    private static final int MAX_TOKENS = 1024;
    private static final List<String> SCHEMAS = List.of("nested", "arrays", "enums", "any-of", "ref");
    private static final int REQUESTS = 50;
    private static final int CONCURRENCY = 8;
    private static final SchemaRegistry VALIDATORS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final List<String> SUBJECTS = List.of("a baker", "a lighthouse", "a red kite", "the weather",
            "a chess game", "a train trip", "a small garden", "a jazz band", "a mountain", "a bakery order");

    @ParameterizedTest
    @ValueSource(strings = {"smollm2", "gemma3"})
    void everyJsonSchemaAnswerParsesAndValidates(String which) throws Exception {
        Map<String, JsonNode> schemas = new java.util.LinkedHashMap<>();
        for (String name : SCHEMAS) {
            schemas.put(name, resource("structured/" + name + ".json"));
        }
        List<ObjectNode> requests = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            String name = SCHEMAS.get(i % SCHEMAS.size());
            ObjectNode body = chat("Write JSON about " + SUBJECTS.get(i / SCHEMAS.size()) + ".", i);
            ObjectNode format = body.putObject("response_format").put("type", "json_schema");
            format.putObject("json_schema").put("name", name).put("strict", true).set("schema", schemas.get(name));
            requests.add(body);
        }
        List<JsonNode> answers = post(which, requests);
        for (int i = 0; i < REQUESTS; i++) {
            String name = SCHEMAS.get(i % SCHEMAS.size());
            JsonNode choice = answers.get(i).path("choices").path(0);
            String content = choice.path("message").path("content").asText();
            assertThat(choice.path("finish_reason").asText()).as("request %d (%s): %s", i, name, content).isEqualTo("stop");
            JsonNode output = TestClient.JSON.readTree(content);
            assertThat(errors(schemas.get(name), output)).as("request %d (%s): %s", i, name, content)
                    .isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"smollm2", "gemma3"})
    void everyRequiredToolChoiceIsACallOfATool(String which) throws Exception {
        ArrayNode tools = (ArrayNode) resource("structured/tools.json");
        Map<String, JsonNode> parameters = new java.util.HashMap<>();
        for (JsonNode tool : tools) {
            parameters.put(tool.path("function").path("name").asText(), tool.path("function").path("parameters"));
        }
        List<String> questions = List.of("What is the weather in Paris?", "Add 17 and 25.",
                "Find recipes with leeks.", "Is it cold in Oslo today?", "How much is 3 plus 9?");
        List<ObjectNode> requests = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            ObjectNode body = chat(questions.get(i % questions.size()), i);
            body.set("tools", tools);
            body.put("tool_choice", "required").put("parallel_tool_calls", false);
            requests.add(body);
        }
        List<JsonNode> answers = post(which, requests);
        for (int i = 0; i < REQUESTS; i++) {
            JsonNode choice = answers.get(i).path("choices").path(0);
            assertThat(choice.path("finish_reason").asText()).as("request %d: %s", i, choice).isEqualTo("tool_calls");
            JsonNode calls = choice.path("message").path("tool_calls");
            assertThat(calls.size()).as("request %d: %s", i, choice).isPositive();
            for (JsonNode call : calls) {
                assertThat(call.path("type").asText()).isEqualTo("function");
                assertThat(call.path("id").asText()).startsWith("call_");
                String name = call.path("function").path("name").asText();
                assertThat(parameters).as("request %d: %s", i, call).containsKey(name);
                JsonNode arguments = TestClient.JSON.readTree(call.path("function").path("arguments").asText());
                assertThat(errors(parameters.get(name), arguments)).as("request %d: %s", i, call).isEmpty();
            }
        }
    }

    private static ObjectNode chat(String question, int seed) {
        ObjectNode body = TestClient.JSON.createObjectNode();
        body.putArray("messages").addObject().put("role", "user").put("content", question);
        body.put("temperature", 0.8).put("seed", seed).put("max_tokens", MAX_TOKENS);
        return body;
    }

    /** Posts every request, {@value #CONCURRENCY} at a time, to a server on the model; the answers in order. */
    private static List<JsonNode> post(String which, List<ObjectNode> requests) throws Exception {
        Path file = which.equals("smollm2") ? TestAssets.smolLm2() : TestAssets.gemma3();
        try (Model model = Backends.open(file);
             Scheduler scheduler = Schedulers.create(model, SchedulerOptions.defaults().withMaxSequences(CONCURRENCY)
                     .withContextSize(1024));
             LlmServer server = LlmServer.builder(scheduler).port(0).build().start();
             TestClient client = new TestClient(server, null)) {
            ExecutorService threads = Executors.newFixedThreadPool(CONCURRENCY);
            try {
                List<Future<HttpResponse<String>>> sent = new ArrayList<>();
                for (ObjectNode request : requests) {
                    sent.add(threads.submit(() -> client.post("/v1/chat/completions", request.toString())));
                }
                List<JsonNode> answers = new ArrayList<>();
                for (Future<HttpResponse<String>> response : sent) {
                    HttpResponse<String> done = response.get();
                    assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
                    answers.add(TestClient.json(done));
                }
                return answers;
            } finally {
                threads.shutdownNow();
            }
        }
    }

    /** What networknt's validator finds wrong with a value, formats asserted. */
    private static List<Error> errors(JsonNode schema, JsonNode value) {
        Schema validator = VALIDATORS.getSchema(schema);
        return validator.validate(value, context -> context.executionConfig(config -> config.formatAssertionsEnabled(true)));
    }

    private static JsonNode resource(String name) {
        try (InputStream in = StructuredOutputTest.class.getClassLoader().getResourceAsStream(name)) {
            return TestClient.JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
