package dev.jvmllm.examples.soak;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One kind of request the soak sends, and what its client does with the answer.
 *
 * @param name what the report calls it
 * @param path the endpoint; a body means POST, none GET
 * @param expect which answers are right
 * @param hangUp what the client does before the answer ends: nothing, or hang up
 */
record SoakRequest(String name, String path, String body, Expect expect, HangUp hangUp) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Which answers are right for a request. */
    sealed interface Expect {
        /** A whole answer (JSON with a finish reason, or SSE ending in {@code [DONE]}), or a 429 or 503 with Retry-After. */
        record Answer(boolean streaming) implements Expect {
        }

        /** This error status in the OpenAI error shape: the request is bad on purpose. */
        record Error(int status) implements Expect {
        }

        /** {@code /ready}: 200 {@code ready}, or 503 {@code queue_full} while the queue is full. */
        record Ready() implements Expect {
        }
    }

    /** What the client does before the answer ends. */
    sealed interface HangUp {
        /** Reads the answer to its end. */
        record Never() implements HangUp {
        }

        /** Closes the connection once this many SSE events came (a user who stops a stream). */
        record AfterEvents(int events) implements HangUp {
        }

        /** Closes the connection this long after sending, without reading (a user who gives up waiting). */
        record AfterMillis(int millis) implements HangUp {
        }
    }

    static final HangUp NEVER = new HangUp.Never();

    String method() {
        return body == null ? "GET" : "POST";
    }

    boolean streaming() {
        return expect instanceof Expect.Answer(boolean streaming) && streaming;
    }

    static SoakRequest completion(String prompt, int maxTokens, boolean stream) {
        return answer("completions" + (stream ? " sse" : ""), "/v1/completions",
                fields("prompt", prompt, "max_tokens", maxTokens, "stream", stream), stream, NEVER);
    }

    static SoakRequest chat(String content, int maxTokens, boolean stream) {
        return answer("chat" + (stream ? " sse" : ""), "/v1/chat/completions", fields("messages",
                List.of(Map.of("role", "user", "content", content)), "max_tokens", maxTokens, "stream", stream),
                stream, NEVER);
    }

    static SoakRequest generate(String prompt, int maxTokens, boolean stream) {
        return answer("generate" + (stream ? " sse" : ""), "/generate",
                fields("prompt", prompt, "max_tokens", maxTokens, "stream", stream), stream, NEVER);
    }

    /** A long stream whose client hangs up after {@code events} events. */
    static SoakRequest streamThenHangUp(String content, int maxTokens, int events) {
        return answer("chat sse, hung up", "/v1/chat/completions", fields("messages",
                List.of(Map.of("role", "user", "content", content)), "max_tokens", maxTokens, "stream", true),
                true, new HangUp.AfterEvents(events));
    }

    /** A long whole-answer request whose client hangs up {@code millis} after sending it. */
    static SoakRequest waitThenHangUp(String prompt, int maxTokens, int millis) {
        return answer("completions, hung up", "/v1/completions",
                fields("prompt", prompt, "max_tokens", maxTokens, "stream", false), false,
                new HangUp.AfterMillis(millis));
    }

    static SoakRequest malformedJson() {
        return new SoakRequest("malformed json", "/v1/completions", "{\"prompt\": \"Once upon a time\", \"max_tokens\": 4",
                new Expect.Error(400), NEVER);
    }

    static SoakRequest unknownField() {
        return new SoakRequest("unknown field", "/v1/chat/completions", fields("messages",
                List.of(Map.of("role", "user", "content", "Hi")), "max_tokens", 4, "frobnicate", true),
                new Expect.Error(400), NEVER);
    }

    static SoakRequest unknownModel() {
        return new SoakRequest("unknown model", "/v1/completions",
                fields("model", "no-such-model", "prompt", "Once upon a time", "max_tokens", 4),
                new Expect.Error(404), NEVER);
    }

    static SoakRequest ready() {
        return new SoakRequest("ready", "/ready", null, new Expect.Ready(), NEVER);
    }

    private static SoakRequest answer(String name, String path, String body, boolean stream, HangUp hangUp) {
        return new SoakRequest(name, path, body, new Expect.Answer(stream), hangUp);
    }

    private static String fields(Object... namesAndValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        try {
            return JSON.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
