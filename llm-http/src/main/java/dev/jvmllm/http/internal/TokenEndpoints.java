package dev.jvmllm.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import dev.jvmllm.api.Model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * {@code POST /tokenize} and {@code POST /detokenize}, in llama-server's shape:
 * {@code {"content", "add_special", "with_pieces"}} gives {@code {"tokens": [...]}}, each token an id
 * or, with {@code with_pieces}, {@code {"id", "piece"}} whose piece is the token's text, or its
 * bytes as numbers where they are not whole UTF-8 (a byte-fallback token);
 * {@code {"tokens": [...]}} gives {@code {"content"}}.
 */
final class TokenEndpoints {
    private final ServerSettings settings;
    private final Model model;

    TokenEndpoints(ServerSettings settings) {
        this.settings = settings;
        this.model = settings.generation().model();
    }

    void tokenize(HttpExchange exchange) throws IOException {
        JsonFields body = RequestBody.read(exchange, settings.maxBodyBytes());
        FieldPolicy.TOKENIZE.check(body);
        String content = body.requiredString("content");
        boolean addSpecial = body.bool("add_special");
        boolean withPieces = body.bool("with_pieces");
        int[] tokens = model.tokenize(content, addSpecial);
        Responses.json(exchange, 200, json -> {
            json.writeStartObject();
            json.writeArrayFieldStart("tokens");
            for (int token : tokens) {
                if (!withPieces) {
                    json.writeNumber(token);
                    continue;
                }
                json.writeStartObject();
                json.writeNumberField("id", token);
                byte[] piece = model.tokenBytes(token);
                String text = utf8(piece);
                if (text != null) {
                    json.writeStringField("piece", text);
                } else {
                    json.writeArrayFieldStart("piece");
                    for (byte b : piece) {
                        json.writeNumber(b & 0xff);
                    }
                    json.writeEndArray();
                }
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    void detokenize(HttpExchange exchange) throws IOException {
        JsonFields body = RequestBody.read(exchange, settings.maxBodyBytes());
        FieldPolicy.DETOKENIZE.check(body);
        JsonNode tokens = body.node("tokens");
        if (tokens == null) {
            throw ApiError.missing("tokens");
        }
        if (!tokens.isArray()) {
            throw ApiError.wrongType("tokens", "an array of token ids");
        }
        int vocabulary = model.vocabularySize();
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode token = tokens.get(i);
            if (!token.isIntegralNumber() || !token.canConvertToInt()) {
                throw ApiError.wrongType("tokens[" + i + "]", "a token id");
            }
            ids[i] = token.intValue();
            if (ids[i] < 0 || ids[i] >= vocabulary) {
                throw ApiError.invalidValue("tokens[" + i + "]", "tokens[" + i + "] = " + ids[i]
                        + " is outside the vocabulary (0.." + (vocabulary - 1) + ")");
            }
        }
        String content = model.detokenize(ids);
        Responses.json(exchange, 200, json -> {
            json.writeStartObject();
            json.writeStringField("content", content);
            json.writeEndObject();
        });
    }

    /** The bytes as text, or null where they are not whole UTF-8. */
    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
