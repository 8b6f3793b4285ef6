package dev.jvmllm.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /tokenize} and {@code /detokenize} in llama-server's shape, and their refusals. */
class TokenEndpointsTest {
    private final FakeServer fake = new FakeServer();

    @AfterEach
    void close() {
        fake.close();
    }

    @Test
    void tokenizeGivesIdsOrIdsWithTheirPieces() {
        HttpResponse<String> plain = fake.client.post("/tokenize", "{\"content\":\"Hi\"}");
        HttpResponse<String> special = fake.client.post("/tokenize", "{\"content\":\"Hi\",\"add_special\":true}");
        HttpResponse<String> pieces = fake.client.post("/tokenize", "{\"content\":\"Hé\",\"with_pieces\":true}");

        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.body()).isEqualTo("{\"tokens\":[72,105]}");
        assertThat(special.body()).isEqualTo("{\"tokens\":[1,72,105]}");
        assertThat(pieces.body()).isEqualTo("{\"tokens\":[{\"id\":72,\"piece\":\"H\"},{\"id\":233,\"piece\":\"é\"}]}");
    }

    @Test
    void detokenizeGivesTheText() {
        HttpResponse<String> response = fake.client.post("/detokenize", "{\"tokens\":[72,105,33]}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"content\":\"Hi!\"}");
    }

    @Test
    void badInputIsA400NamingTheFieldAndTheServerGoesOn() {
        JsonNode missing = TestClient.json(fake.client.post("/tokenize", "{}"));
        assertThat(missing.at("/error/param").asText()).isEqualTo("content");
        HttpResponse<String> outside = fake.client.post("/detokenize", "{\"tokens\":[72,65536]}");
        assertThat(outside.statusCode()).isEqualTo(400);
        assertThat(TestClient.json(outside).at("/error/message").asText())
                .isEqualTo("tokens[1] = 65536 is outside the vocabulary (0..65535)");
        HttpResponse<String> notIds = fake.client.post("/detokenize", "{\"tokens\":[\"a\"]}");
        assertThat(notIds.statusCode()).isEqualTo(400);
        assertThat(TestClient.json(notIds).at("/error/param").asText()).isEqualTo("tokens[0]");
        assertThat(fake.client.post("/detokenize", "{\"tokens\":\"72\"}").statusCode()).isEqualTo(400);

        assertThat(fake.client.post("/detokenize", "{\"tokens\":[72]}").body()).isEqualTo("{\"content\":\"H\"}");
    }

    @Test
    void aFieldTheyDoNotKnowIsRefusedNotIgnored() {
        ErrorResponsesTest.assertError(fake.client.post("/tokenize", "{\"content\":\"Hi\",\"parse_special\":true}"), 400,
                "invalid_request_error", "unknown_parameter", "parse_special",
                "unrecognized request argument supplied: 'parse_special'");
        ErrorResponsesTest.assertError(fake.client.post("/detokenize", "{\"tokens\":[72],\"with_pieces\":true}"), 400,
                "invalid_request_error", "unknown_parameter", "with_pieces",
                "unrecognized request argument supplied: 'with_pieces'");
        // null is "not given", as everywhere
        assertThat(fake.client.post("/tokenize", "{\"content\":\"Hi\",\"parse_special\":null}").statusCode()).isEqualTo(200);
    }
}
