package dev.jvmllm.http.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationResult;

import java.io.IOException;

/**
 * What the OpenAI completion and chat answers share: the envelope
 * {@code {"id", "object", "created", "model", "choices": [{"index": 0, ..., "logprobs": null,
 * "finish_reason"}], "usage"}}, and a stream of chunks in that envelope, ending with a chunk
 * that carries the finish reason and, when the client asked with
 * {@code stream_options.include_usage}, a last chunk with empty {@code choices} and the usage
 * (every other chunk then has {@code "usage": null}, as OpenAI sends it). Subclasses write what
 * differs: the object names and the content of a choice.
 */
abstract sealed class OpenAiFormat implements ResponseFormat permits CompletionFormat, ChatFormat {
    private final String id;
    private final long created;
    private final String model;
    private final boolean streamUsage;

    OpenAiFormat(String id, long created, String model, boolean streamUsage) {
        this.id = id;
        this.created = created;
        this.model = model;
        this.streamUsage = streamUsage;
    }

    /** {@code text_completion} or {@code chat.completion}. */
    abstract String resultObject();

    /** {@code text_completion} or {@code chat.completion.chunk}. */
    abstract String chunkObject();

    /** The choice's content in a whole answer: {@code "text"} or {@code "message"}. */
    abstract void writeResultContent(JsonGenerator json, String text) throws IOException;

    /**
     * The choice's content in a chunk: {@code "text"} or {@code "delta"}.
     *
     * @param first whether this is the stream's first chunk (chat announces the role there)
     * @param text the text of the chunk, empty for none
     */
    abstract void writeChunkContent(JsonGenerator json, boolean first, String text) throws IOException;

    @Override
    public final void writeResult(JsonGenerator json, GenerationResult result) throws IOException {
        writeEnvelopeStart(json, resultObject());
        json.writeStartObject();
        json.writeNumberField("index", 0);
        writeResultContent(json, result.text());
        json.writeNullField("logprobs");
        json.writeStringField("finish_reason", result.finishReason().openAiName());
        json.writeEndObject();
        json.writeEndArray();
        ResponseFormat.writeUsage(json, result);
        json.writeEndObject();
    }

    @Override
    public final void writeStreamToken(SseWriter sse, GenerationEvent.Token token) throws IOException {
        writeChunk(sse, false, token.text(), null);
    }

    @Override
    public final void writeStreamEnd(SseWriter sse, GenerationResult result, String unstreamedText) throws IOException {
        writeChunk(sse, false, unstreamedText, result.finishReason().openAiName());
        if (streamUsage) {
            JsonGenerator json = sse.begin();
            writeEnvelopeStart(json, chunkObject());
            json.writeEndArray();
            ResponseFormat.writeUsage(json, result);
            json.writeEndObject();
            sse.end();
        }
    }

    /** A chunk with one choice. */
    final void writeChunk(SseWriter sse, boolean first, String text, String finishReason) throws IOException {
        JsonGenerator json = sse.begin();
        writeEnvelopeStart(json, chunkObject());
        json.writeStartObject();
        json.writeNumberField("index", 0);
        writeChunkContent(json, first, text);
        json.writeNullField("logprobs");
        json.writeStringField("finish_reason", finishReason);
        json.writeEndObject();
        json.writeEndArray();
        if (streamUsage) {
            json.writeNullField("usage");
        }
        json.writeEndObject();
        sse.end();
    }

    /** Opens the envelope up to and including the start of {@code choices}. */
    private void writeEnvelopeStart(JsonGenerator json, String object) throws IOException {
        json.writeStartObject();
        json.writeStringField("id", id);
        json.writeStringField("object", object);
        json.writeNumberField("created", created);
        json.writeStringField("model", model);
        json.writeArrayFieldStart("choices");
    }
}
