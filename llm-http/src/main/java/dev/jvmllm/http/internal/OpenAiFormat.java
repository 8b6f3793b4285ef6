package dev.jvmllm.http.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.TokenLogprob;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What the OpenAI completion and chat answers share: the envelope
 * {@code {"id", "object", "created", "model", "choices": [{"index", ..., "logprobs": null,
 * "finish_reason"}], "usage"}}, and a stream of chunks in that envelope, one choice each, a
 * choice's last chunk carrying its finish reason, and, when the client asked with
 * {@code stream_options.include_usage}, a last chunk with empty {@code choices} and the usage
 * (every other chunk then has {@code "usage": null}, as OpenAI sends it). The chunks of several
 * choices interleave as their tokens come. Subclasses write what
 * differs: the object names, the content of a choice and the shape of its {@code logprobs}
 * ({@code null} where the request asked for none).
 */
abstract sealed class OpenAiFormat implements ResponseFormat permits CompletionFormat, ChatFormat {
    private final String id;
    private final long created;
    private final String model;
    private final boolean streamUsage;
    /** Spells the tokens of {@code logprobs}; null when the request asked for none. */
    private final Model tokens;

    /** @param tokens the model, whose tokens {@code logprobs} spell out; null when the request asked for none */
    OpenAiFormat(String id, long created, String model, boolean streamUsage, Model tokens) {
        this.id = id;
        this.created = created;
        this.model = model;
        this.streamUsage = streamUsage;
        this.tokens = tokens;
    }

    /** {@code text_completion} or {@code chat.completion}. */
    abstract String resultObject();

    /** {@code text_completion} or {@code chat.completion.chunk}. */
    abstract String chunkObject();

    /**
     * The choice's content in a whole answer: {@code "text"} or {@code "message"}.
     *
     * @return the choice's {@code finish_reason}
     */
    abstract String writeResultContent(JsonGenerator json, GenerationResult result) throws IOException;

    /**
     * The choice's content in a chunk: {@code "text"} or {@code "delta"}.
     *
     * @param first whether this is the stream's first chunk (chat announces the role there)
     * @param text the text of the chunk, empty for none
     */
    abstract void writeChunkContent(JsonGenerator json, boolean first, String text) throws IOException;

    /** The value of a choice's {@code logprobs} for these tokens: of a whole answer, or of one chunk. */
    abstract void writeLogprobs(JsonGenerator json, int choice, List<TokenLogprob> logprobs) throws IOException;

    /** A token's text as the {@code token} fields show it; bytes that are not whole UTF-8 become U+FFFD. */
    final String text(int token) {
        return new String(tokens.tokenBytes(token), StandardCharsets.UTF_8);
    }

    /** A token's bytes, as the chat {@code bytes} fields list them. */
    final void writeBytes(JsonGenerator json, int token) throws IOException {
        json.writeStartArray();
        for (byte b : tokens.tokenBytes(token)) {
            json.writeNumber(b & 0xff);
        }
        json.writeEndArray();
    }

    @Override
    public final void writeResult(JsonGenerator json, List<GenerationResult> choices) throws IOException {
        writeEnvelopeStart(json, resultObject());
        for (int choice = 0; choice < choices.size(); choice++) {
            GenerationResult result = choices.get(choice);
            json.writeStartObject();
            json.writeNumberField("index", choice);
            String finishReason = writeResultContent(json, result);
            if (tokens == null) {
                json.writeNullField("logprobs");
            } else {
                json.writeFieldName("logprobs");
                writeLogprobs(json, choice, result.logprobs());
            }
            json.writeStringField("finish_reason", finishReason);
            json.writeEndObject();
        }
        json.writeEndArray();
        ResponseFormat.writeUsage(json, choices);
        json.writeEndObject();
    }

    @Override
    public void writeStreamToken(SseWriter sse, int choice, GenerationEvent.Token token) throws IOException {
        writeChunk(sse, choice, false, token.text(), null, token.logprob().map(List::of).orElse(List.of()));
    }

    @Override
    public void writeStreamEnd(SseWriter sse, int choice, GenerationResult result, String unstreamedText)
            throws IOException {
        writeChunk(sse, choice, false, unstreamedText, result.finishReason().openAiName(), List.of());
    }

    @Override
    public final void writeStreamClose(SseWriter sse, List<GenerationResult> choices) throws IOException {
        if (streamUsage) {
            JsonGenerator json = sse.begin();
            writeEnvelopeStart(json, chunkObject());
            json.writeEndArray();
            ResponseFormat.writeUsage(json, choices);
            json.writeEndObject();
            sse.end();
        }
    }

    /** A chunk of one choice; {@code logprobs} those of its token, if any. */
    final void writeChunk(SseWriter sse, int choice, boolean first, String text, String finishReason,
                          List<TokenLogprob> logprobs) throws IOException {
        writeChunk(sse, choice, json -> writeChunkContent(json, first, text), finishReason, logprobs);
    }

    /** What a chunk holds of its choice's content. */
    @FunctionalInterface
    interface ChunkContent {
        void write(JsonGenerator json) throws IOException;
    }

    /** A chunk of one choice with the content {@code content} writes. */
    final void writeChunk(SseWriter sse, int choice, ChunkContent content, String finishReason,
                          List<TokenLogprob> logprobs) throws IOException {
        JsonGenerator json = sse.begin();
        writeEnvelopeStart(json, chunkObject());
        json.writeStartObject();
        json.writeNumberField("index", choice);
        content.write(json);
        if (tokens == null || logprobs.isEmpty()) {
            json.writeNullField("logprobs");
        } else {
            json.writeFieldName("logprobs");
            writeLogprobs(json, choice, logprobs);
        }
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
