package dev.jvmllm.http.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;

/** Writes whole (non-streaming) answers: JSON bodies, error bodies, plain text. */
final class Responses {
    static final String JSON = "application/json";

    private Responses() {
    }

    static void json(HttpExchange exchange, int status, Json.Body body) throws IOException {
        send(exchange, status, JSON, Json.bytes(body));
    }

    static void error(HttpExchange exchange, ApiError error) throws IOException {
        if (error.headerName() != null) {
            exchange.getResponseHeaders().set(error.headerName(), error.headerValue());
        }
        json(exchange, error.status(), json -> writeError(json, error));
    }

    /** The OpenAI error object; also the payload of an error event in a stream. */
    static void writeError(JsonGenerator json, ApiError error) throws IOException {
        json.writeStartObject();
        json.writeObjectFieldStart("error");
        json.writeStringField("message", error.getMessage());
        json.writeStringField("type", error.type());
        json.writeStringField("param", error.param());
        json.writeStringField("code", error.code());
        json.writeEndObject();
        json.writeEndObject();
    }

    static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
