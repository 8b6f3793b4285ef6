package dev.jvmllm.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import dev.jvmllm.api.EmbeddingModel;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.EmbeddingScheduler;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;

/**
 * {@code POST /v1/embeddings} in OpenAI's shape. {@code input} is a string, an array of strings,
 * an array of token ids, or an array of such arrays (at most {@value #MAX_INPUTS} inputs, as
 * OpenAI allows); {@code encoding_format} is {@code float} (numbers) or {@code base64}
 * (little-endian float32s); {@code dimensions} is accepted only as the model's own length, since
 * no model here is trained to be cut shorter. The inputs go to the {@link EmbeddingScheduler},
 * which shares forward passes with concurrent requests.
 */
final class EmbeddingEndpoints {
    static final int MAX_INPUTS = 2048;
    /** The fields of a request; any other is a 400. */
    static final Set<String> FIELDS = Set.of("model", "input", "encoding_format", "dimensions", "user");

    private final ServerSettings settings;
    private final EmbeddingScheduler batcher;
    private final EmbeddingModel model;

    EmbeddingEndpoints(ServerSettings settings) {
        this.settings = settings;
        this.batcher = settings.embeddings().orElseThrow();
        this.model = batcher.model();
    }

    void embeddings(HttpExchange exchange) throws IOException {
        JsonFields body = RequestBody.read(exchange, settings.maxBodyBytes());
        for (Iterator<String> names = body.names(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw ApiError.invalidValue(name, "'" + name + "' is not a field of an embeddings request (they are "
                        + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
            }
        }
        body.string("model").ifPresent(name -> {
            if (!name.equals(settings.embeddingModelName())) {
                throw ApiError.modelNotFound(name, settings.embeddingModelName());
            }
        });
        body.string("user"); // an end-user id for OpenAI's abuse monitoring: checked to be a string, nothing to do here
        boolean base64 = switch (body.string("encoding_format").orElse("float")) {
            case "float" -> false;
            case "base64" -> true;
            default -> throw ApiError.invalidValue("encoding_format", "'encoding_format' must be \"float\" or \"base64\", got \""
                    + body.string("encoding_format").orElseThrow() + "\"");
        };
        body.integer("dimensions").ifPresent(dimensions -> {
            if (dimensions != model.dimensions()) {
                throw ApiError.invalidValue("dimensions", "'dimensions' must be " + model.dimensions() + " for "
                        + settings.embeddingModelName() + ": its embeddings cannot be shortened, got " + dimensions);
            }
        });
        List<int[]> inputs = inputs(body);
        List<float[]> embeddings = embed(inputs);
        long promptTokens = inputs.stream().mapToLong(input -> input.length).sum();
        Responses.json(exchange, 200, json -> {
            json.writeStartObject();
            json.writeStringField("object", "list");
            json.writeArrayFieldStart("data");
            for (int i = 0; i < embeddings.size(); i++) {
                json.writeStartObject();
                json.writeStringField("object", "embedding");
                json.writeNumberField("index", i);
                float[] vector = embeddings.get(i);
                if (base64) {
                    ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                    bytes.asFloatBuffer().put(vector);
                    json.writeStringField("embedding", Base64.getEncoder().encodeToString(bytes.array()));
                } else {
                    json.writeArrayFieldStart("embedding");
                    for (float value : vector) {
                        json.writeNumber(value);
                    }
                    json.writeEndArray();
                }
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeStringField("model", settings.embeddingModelName());
            json.writeObjectFieldStart("usage");
            json.writeNumberField("prompt_tokens", promptTokens);
            json.writeNumberField("total_tokens", promptTokens);
            json.writeEndObject();
            json.writeEndObject();
        });
    }

    private List<float[]> embed(List<int[]> inputs) {
        try {
            return batcher.submit(inputs).join();
        } catch (InvalidRequestException e) {
            throw ApiError.invalidValue("input", e.getMessage());
        } catch (CompletionException e) {
            if (e.getCause() instanceof LlmException failure) {
                throw ApiError.from(failure);
            }
            throw e;
        }
    }

    /** The token ids of every input, tokenised here where they are text. */
    private List<int[]> inputs(JsonFields body) {
        JsonNode input = body.node("input");
        if (input == null) {
            throw ApiError.missing("input");
        }
        if (input.isTextual()) {
            return List.of(text(input, "input"));
        }
        if (!input.isArray()) {
            throw ApiError.wrongType("input", "a string, an array of strings, an array of token ids or an array of"
                    + " arrays of token ids");
        }
        if (input.isEmpty()) {
            throw ApiError.invalidValue("input", "'input' is an empty array: there is nothing to embed");
        }
        if (input.size() > MAX_INPUTS) {
            throw ApiError.invalidValue("input", "'input' has " + input.size() + " inputs; a request has at most "
                    + MAX_INPUTS);
        }
        JsonNode first = input.get(0);
        if (first.isIntegralNumber()) {
            return List.of(tokens(input, "input"));
        }
        List<int[]> inputs = new ArrayList<>(input.size());
        for (int i = 0; i < input.size(); i++) {
            JsonNode element = input.get(i);
            String path = "input[" + i + "]";
            if (first.isTextual() && element.isTextual()) {
                inputs.add(text(element, path));
            } else if (first.isArray() && element.isArray()) {
                inputs.add(tokens(element, path));
            } else {
                throw ApiError.wrongType(path, first.isTextual() ? "a string, as input[0] is"
                        : first.isArray() ? "an array of token ids, as input[0] is"
                        : "a string, a token id or an array of token ids");
            }
        }
        return inputs;
    }

    private int[] text(JsonNode node, String path) {
        String text = node.textValue();
        if (text.isEmpty()) {
            throw ApiError.invalidValue(path, "'" + path + "' is an empty string: there is nothing to embed");
        }
        return model.tokenize(text);
    }

    /** Token ids as given: range is checked with the other inputs by the batcher, so the message names the index. */
    private static int[] tokens(JsonNode array, String path) {
        if (array.isEmpty()) {
            throw ApiError.invalidValue(path, "'" + path + "' is an empty array: there is nothing to embed");
        }
        int[] tokens = new int[array.size()];
        for (int j = 0; j < tokens.length; j++) {
            JsonNode token = array.get(j);
            if (!token.isIntegralNumber() || !token.canConvertToInt()) {
                throw ApiError.wrongType(path + "[" + j + "]", "a token id, as " + path + "[0] is");
            }
            tokens[j] = token.intValue();
        }
        return tokens;
    }
}
