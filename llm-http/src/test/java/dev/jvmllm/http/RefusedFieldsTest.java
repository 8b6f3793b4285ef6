package dev.jvmllm.http;

import dev.jvmllm.api.GenerationRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static dev.jvmllm.http.ErrorResponsesTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * No field is silently ignored: what would change the output and is not implemented is a 400
 * that names it, an unknown field is a 400 as OpenAI answers one, bookkeeping fields are
 * accepted, and a schema or grammar the server cannot enforce is refused before anything runs.
 */
class RefusedFieldsTest {
    private static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";
    private final FakeServer fake = new FakeServer();

    @AfterEach
    void close() {
        fake.close();
    }

    @Test
    void fieldsThatWouldChangeTheOutputAreRefusedByName() {
        assertError(chat("\"logit_bias\":{\"50256\":-100}"), 400, "invalid_request_error", "unsupported_parameter",
                "logit_bias", "'logit_bias' is not supported: token biases are not implemented");
        assertError(chat("\"audio\":{\"voice\":\"alloy\"}"), 400, "invalid_request_error", "unsupported_parameter",
                "audio", "'audio' is not supported: this server produces text only");
        assertError(chat("\"modalities\":[\"text\",\"audio\"]"), 400, "invalid_request_error", "unsupported_parameter",
                "modalities", "'modalities' is not supported: this server produces text only; 'modalities' may only be"
                        + " [\"text\"]");
        assertError(fake.client.post("/v1/completions", "{\"prompt\":\"Hi\",\"echo\":true}"), 400,
                "invalid_request_error", "unsupported_parameter", "echo", "'echo' is not supported: the prompt is not"
                        + " repeated in the answer; 'echo' may only be false");
        assertError(fake.client.post("/v1/completions", "{\"prompt\":\"Hi\",\"logit_bias\":{\"1\":5}}"), 400,
                "invalid_request_error", "unsupported_parameter", "logit_bias",
                "'logit_bias' is not supported: token biases are not implemented");
    }

    @Test
    void anUnknownFieldIsRefusedAsOpenAiRefusesIt() {
        assertError(chat("\"temprature\":0.5"), 400, "invalid_request_error", "unknown_parameter", "temprature",
                "unrecognized request argument supplied: 'temprature'");
        assertError(fake.client.post("/generate", "{\"prompt\":\"Hi\",\"unknown_field\":{\"x\":1}}"), 400,
                "invalid_request_error", "unknown_parameter", "unknown_field",
                "unrecognized request argument supplied: 'unknown_field'");
        assertThat(fake.scheduler.submitted).isEmpty();
    }

    @Test
    void bookkeepingFieldsChangeNothingAndAreAccepted() throws Exception {
        assertThat(chat("\"user\":\"u-1\",\"store\":false,\"metadata\":{\"a\":\"b\"},\"service_tier\":\"auto\","
                + "\"logit_bias\":null,\"modalities\":[\"text\"],\"parallel_tool_calls\":true").statusCode()).isEqualTo(200);
        GenerationRequest request = fake.scheduler.next().request;
        assertThat(request.constraint()).isEmpty();
    }

    @Test
    void aSchemaKeywordTheGrammarCannotEnforceIsRefusedByName() {
        assertError(chat("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":"
                        + "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"patternProperties\":{}}}}"),
                400, "invalid_request_error", "invalid_value", "response_format.json_schema.schema",
                "json_schema: keyword 'patternProperties' at / is not supported");
        assertError(fake.client.post("/generate", "{\"prompt\":\"Hi\",\"grammar\":\"root ::= value\"}"), 400,
                "invalid_request_error", "invalid_value", "grammar", "grammar: line 1, column 10: undefined rule 'value'");
        assertError(chat("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":"
                        + "\"object\",\"properties\":{\"n\":{\"type\":\"number\",\"multipleOf\":3}}}}}]"),
                400, "invalid_request_error", "invalid_value", "tools[0].function.parameters",
                "json_schema: keyword 'multipleOf' at /properties/n is not supported");
        assertThat(fake.scheduler.submitted).isEmpty();
    }

    @Test
    void aToolChoiceMustFitTheTools() {
        String tool = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}]";
        assertError(chat(tool + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}"), 400,
                "invalid_request_error", "invalid_value", "tool_choice.function.name",
                "'tool_choice' names the function 'get_time', which is not among 'tools'");
        assertError(chat("\"tool_choice\":\"required\""), 400, "invalid_request_error", "invalid_value", "tool_choice",
                "'tool_choice' asks for a tool call, but the request has no 'tools'");
        assertError(chat(tool + ",\"logprobs\":true"), 400, "invalid_request_error", "unsupported_parameter", "logprobs",
                "'logprobs' is not supported: log-probabilities of an output read as tool calls are not implemented");
    }

    @Test
    void aResponseFormatAndAGrammarBecomeTheRequestsConstraint() throws Exception {
        assertThat(chat("\"response_format\":{\"type\":\"json_object\"}").statusCode()).isEqualTo(200);
        assertThat(fake.scheduler.next().request.constraint()).hasValueSatisfying(
                constraint -> assertThat(constraint.describe()).isEqualTo("json_object"));
        assertThat(fake.client.post("/generate", "{\"prompt\":\"Hi\",\"grammar\":\"root ::= [a-z]+\"}").statusCode())
                .isEqualTo(200);
        assertThat(fake.scheduler.next().request.constraint()).hasValueSatisfying(
                constraint -> assertThat(constraint.describe()).isEqualTo("gbnf"));
        assertThat(fake.client.post("/generate", "{\"prompt\":\"Hi\",\"json_schema\":{\"type\":\"integer\"}}").statusCode())
                .isEqualTo(200);
        assertThat(fake.scheduler.next().request.constraint()).hasValueSatisfying(
                constraint -> assertThat(constraint.describe()).isEqualTo("json_schema"));
    }

    private java.net.http.HttpResponse<String> chat(String fields) {
        return fake.client.post("/v1/chat/completions", "{" + MESSAGES + "," + fields + "}");
    }
}
