package dev.jvmllm.http.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Timings;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The seed-style {@code POST /generate} answer. Non-streaming:
 * {@code {"id", "model", "text", "tokens": [ids], "finish_reason", "usage", "timings"}}.
 * Streaming: one {@code {"index", "token", "text"}} event per token, then
 * {@code {"id", "text", "finish_reason", "usage", "timings"}} (its {@code text} the unstreamed
 * tail), then {@code [DONE]}. Finish reasons are the library's own, in lower case
 * ({@code length}, {@code stop}, {@code end_of_sequence}, {@code cancelled}, {@code timeout}):
 * finer than OpenAI's. A {@code /generate} request has one choice.
 */
final class GenerateFormat implements ResponseFormat {
    private final String id;
    private final String model;

    GenerateFormat(String id, String model) {
        this.id = id;
        this.model = model;
    }

    @Override
    public void writeResult(JsonGenerator json, List<GenerationResult> choices) throws IOException {
        GenerationResult result = choices.getFirst();
        json.writeStartObject();
        json.writeStringField("id", id);
        json.writeStringField("model", model);
        json.writeStringField("text", result.text());
        int[] tokens = result.tokens();
        json.writeFieldName("tokens");
        json.writeArray(tokens, 0, tokens.length);
        writeEnd(json, result);
        json.writeEndObject();
    }

    @Override
    public void writeStreamToken(SseWriter sse, int choice, GenerationEvent.Token token) throws IOException {
        JsonGenerator json = sse.begin();
        json.writeStartObject();
        json.writeNumberField("index", token.index());
        json.writeNumberField("token", token.id());
        json.writeStringField("text", token.text());
        json.writeEndObject();
        sse.end();
    }

    @Override
    public void writeStreamEnd(SseWriter sse, int choice, GenerationResult result, String unstreamedText)
            throws IOException {
        JsonGenerator json = sse.begin();
        json.writeStartObject();
        json.writeStringField("id", id);
        json.writeStringField("text", unstreamedText);
        writeEnd(json, result);
        json.writeEndObject();
        sse.end();
    }

    private static void writeEnd(JsonGenerator json, GenerationResult result) throws IOException {
        json.writeStringField("finish_reason", name(result.finishReason()));
        ResponseFormat.writeUsage(json, List.of(result));
        Timings timings = result.timings();
        json.writeObjectFieldStart("timings");
        json.writeNumberField("queued_ms", millis(timings.queued()));
        json.writeNumberField("time_to_first_token_ms", millis(timings.timeToFirstToken()));
        json.writeNumberField("total_ms", millis(timings.total()));
        json.writeEndObject();
    }

    static String name(FinishReason reason) {
        return reason.name().toLowerCase(Locale.ROOT);
    }

    private static double millis(Duration duration) {
        return duration.toNanos() / 1e6;
    }
}
