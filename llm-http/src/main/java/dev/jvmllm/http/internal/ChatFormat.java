package dev.jvmllm.http.internal;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;

/**
 * {@code POST /v1/chat/completions}: objects {@code chat.completion} and
 * {@code chat.completion.chunk}; the answer's {@code message} and each chunk's {@code delta}.
 * As OpenAI does, a stream opens with a chunk whose delta is {@code {"role": "assistant",
 * "content": ""}}, before the first token.
 */
final class ChatFormat extends OpenAiFormat {

    ChatFormat(String id, long created, String model, boolean streamUsage) {
        super(id, created, model, streamUsage);
    }

    @Override
    String resultObject() {
        return "chat.completion";
    }

    @Override
    String chunkObject() {
        return "chat.completion.chunk";
    }

    @Override
    void writeResultContent(JsonGenerator json, String text) throws IOException {
        json.writeObjectFieldStart("message");
        json.writeStringField("role", "assistant");
        json.writeStringField("content", text);
        json.writeNullField("refusal");
        json.writeEndObject();
    }

    @Override
    public void writeStreamStart(SseWriter sse) throws IOException {
        writeChunk(sse, true, "", null);
    }

    @Override
    void writeChunkContent(JsonGenerator json, boolean first, String text) throws IOException {
        json.writeObjectFieldStart("delta");
        if (first) {
            json.writeStringField("role", "assistant");
            json.writeStringField("content", text);
        } else if (!text.isEmpty()) {
            json.writeStringField("content", text);
        }
        json.writeEndObject();
    }
}
