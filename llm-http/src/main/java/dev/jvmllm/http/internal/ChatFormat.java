package dev.jvmllm.http.internal;

import com.fasterxml.jackson.core.JsonGenerator;

import dev.jvmllm.api.Model;
import dev.jvmllm.api.TokenLogprob;

import java.io.IOException;
import java.util.List;

/**
 * {@code POST /v1/chat/completions}: objects {@code chat.completion} and
 * {@code chat.completion.chunk}; the answer's {@code message} and each chunk's {@code delta}.
 * As OpenAI does, a stream opens with a chunk whose delta is {@code {"role": "assistant",
 * "content": ""}}, before the first token. Log-probabilities are
 * {@code {"content": [{"token", "logprob", "bytes", "top_logprobs": [{"token", "logprob", "bytes"}]}],
 * "refusal": null}}.
 */
final class ChatFormat extends OpenAiFormat {

    /** @param tokens the model, for {@code logprobs}; null when the request asked for none */
    ChatFormat(String id, long created, String model, boolean streamUsage, Model tokens) {
        super(id, created, model, streamUsage, tokens);
    }

    @Override
    void writeLogprobs(JsonGenerator json, int choice, List<TokenLogprob> logprobs) throws IOException {
        json.writeStartObject();
        json.writeArrayFieldStart("content");
        for (TokenLogprob logprob : logprobs) {
            json.writeStartObject();
            writeCandidate(json, logprob.token(), logprob.logprob());
            json.writeArrayFieldStart("top_logprobs");
            for (TokenLogprob.Candidate candidate : logprob.top()) {
                json.writeStartObject();
                writeCandidate(json, candidate.token(), candidate.logprob());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeNullField("refusal");
        json.writeEndObject();
    }

    private void writeCandidate(JsonGenerator json, int token, double logprob) throws IOException {
        json.writeStringField("token", text(token));
        json.writeNumberField("logprob", logprob);
        json.writeFieldName("bytes");
        writeBytes(json, token);
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

    /** Each choice's first chunk announces the role, before any token. */
    @Override
    public void writeStreamStart(SseWriter sse, int choices) throws IOException {
        for (int choice = 0; choice < choices; choice++) {
            writeChunk(sse, choice, true, "", null, List.of());
        }
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
