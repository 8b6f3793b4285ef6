package dev.jvmllm.http.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The server's one JSON configuration: parsing request bodies, writing response bodies. */
final class Json {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS) // "{} x" is not a JSON object
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET) // SSE writers own the exchange's stream
            .build();

    /** Creates generators; thread-safe. */
    static final JsonFactory FACTORY = MAPPER.getFactory();

    /** Writes one JSON value with a generator. */
    @FunctionalInterface
    interface Body {
        void write(JsonGenerator json) throws IOException;
    }

    private Json() {
    }

    /** Parses a request body that must be one JSON object. */
    static ObjectNode parseObject(byte[] body) {
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiError.malformedJson(e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiError.malformedJson(e.getMessage());
        }
        if (!(node instanceof ObjectNode object)) {
            throw ApiError.notAnObject(); // also an empty body, which reads as a missing node
        }
        return object;
    }

    /** The UTF-8 bytes of one JSON value. */
    static byte[] bytes(Body body) {
        try (ByteArrayBuilder buffer = new ByteArrayBuilder(512);
             JsonGenerator json = FACTORY.createGenerator(buffer)) {
            body.write(json);
            json.flush();
            return buffer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
    }
}
