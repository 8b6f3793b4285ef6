package dev.jvmllm.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads a whole Server-Sent Events body: the data of each event, which must end with [DONE]. */
final class Sse {

    private Sse() {
    }

    /** The JSON data of every event before the final {@code data: [DONE]}. */
    static List<JsonNode> events(String body) {
        assertThat(body).endsWith("data: [DONE]\n\n");
        List<JsonNode> events = new ArrayList<>();
        for (String event : body.substring(0, body.length() - "data: [DONE]\n\n".length()).split("\n\n")) {
            assertThat(event).startsWith("data: ");
            try {
                events.add(TestClient.JSON.readTree(event.substring("data: ".length())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return events;
    }

    /** The node without its {@code id} field, after checking the id's form. */
    static JsonNode withoutId(JsonNode node, String idPattern) {
        assertThat(node.get("id").asText()).matches(idPattern);
        ObjectNode copy = ((ObjectNode) node).deepCopy();
        copy.remove("id");
        return copy;
    }

    static JsonNode parse(String json) {
        try {
            return TestClient.JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
