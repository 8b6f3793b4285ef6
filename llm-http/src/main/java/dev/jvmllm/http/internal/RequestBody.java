package dev.jvmllm.http.internal;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.InputStream;

/** Reads a request's JSON body within the server's size limit. */
final class RequestBody {
    private RequestBody() {
    }

    /**
     * The body as a JSON object. A declared {@code Content-Length} over {@code limit} is refused
     * before anything is read, and a chunked body is cut off as soon as it passes the limit.
     *
     * @throws ApiError 413 over the limit, 400 for malformed JSON or a body that is no object
     */
    static JsonFields read(HttpExchange exchange, int limit) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null && Long.parseLong(declared.trim()) > limit) {
            throw ApiError.bodyTooLarge(limit); // the server already checked that it is a number
        }
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(limit + 1);
        }
        if (body.length > limit) {
            throw ApiError.bodyTooLarge(limit);
        }
        return JsonFields.of(Json.parseObject(body));
    }
}
