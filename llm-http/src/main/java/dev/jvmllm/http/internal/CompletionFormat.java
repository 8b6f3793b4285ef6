package dev.jvmllm.http.internal;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;

/** {@code POST /v1/completions}: objects {@code text_completion}, the choice's content in {@code text}. */
final class CompletionFormat extends OpenAiFormat {

    CompletionFormat(String id, long created, String model, boolean streamUsage) {
        super(id, created, model, streamUsage);
    }

    @Override
    String resultObject() {
        return "text_completion";
    }

    @Override
    String chunkObject() {
        return "text_completion";
    }

    @Override
    void writeResultContent(JsonGenerator json, String text) throws IOException {
        json.writeStringField("text", text);
    }

    @Override
    void writeChunkContent(JsonGenerator json, boolean first, String text) throws IOException {
        json.writeStringField("text", text);
    }
}
