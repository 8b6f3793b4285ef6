package dev.jvmllm.http.internal;

import com.fasterxml.jackson.core.JsonGenerator;

import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.TokenLogprob;
import dev.jvmllm.chat.ChatPrompt;
import dev.jvmllm.chat.ParsedOutput;
import dev.jvmllm.chat.ToolCall;
import dev.jvmllm.chat.ToolCallEvent;
import dev.jvmllm.chat.ToolCallStreamParser;

import java.io.IOException;
import java.util.List;

/**
 * {@code POST /v1/chat/completions}: objects {@code chat.completion} and
 * {@code chat.completion.chunk}; the answer's {@code message} and each chunk's {@code delta}.
 * As OpenAI does, a stream opens with a chunk whose delta is {@code {"role": "assistant",
 * "content": ""}}, before the first token. Log-probabilities are
 * {@code {"content": [{"token", "logprob", "bytes", "top_logprobs": [{"token", "logprob", "bytes"}]}],
 * "refusal": null}}.
 *
 * <p>With tools in play, the output is read by the tool-call format of the model's template:
 * calls become {@code message.tool_calls} ({@code id}, {@code type: "function"},
 * {@code function.name}, {@code function.arguments} as JSON text) with {@code finish_reason:
 * "tool_calls"}, the rest stays {@code content} ({@code null} when there is none). Streamed as
 * OpenAI streams them: a call's first delta has its {@code index}, {@code id}, {@code type} and
 * {@code function.name}, the later ones only {@code function.arguments} fragments.
 */
final class ChatFormat extends OpenAiFormat {
    /** Reads tool calls out of the outputs; null when the request has no tools in play. */
    private final ChatPrompt toolCalls;
    /** Per choice, while streaming with tools: its parser, and whether it has begun a call. */
    private ToolCallStreamParser[] parsers;
    private boolean[] called;

    /**
     * @param tokens    the model, for {@code logprobs}; null when the request asked for none
     * @param toolCalls the prompt whose format reads tool calls out of the outputs, or null
     */
    ChatFormat(String id, long created, String model, boolean streamUsage, Model tokens, ChatPrompt toolCalls) {
        super(id, created, model, streamUsage, tokens);
        this.toolCalls = toolCalls;
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
    String writeResultContent(JsonGenerator json, GenerationResult result) throws IOException {
        json.writeObjectFieldStart("message");
        json.writeStringField("role", "assistant");
        String finishReason = result.finishReason().openAiName();
        if (toolCalls == null) {
            json.writeStringField("content", result.text());
        } else {
            ParsedOutput output = toolCalls.parse(result.text());
            if (output.content().isEmpty() && !output.toolCalls().isEmpty()) {
                json.writeNullField("content");
            } else {
                json.writeStringField("content", output.content());
            }
            if (!output.toolCalls().isEmpty()) {
                json.writeArrayFieldStart("tool_calls");
                for (ToolCall call : output.toolCalls()) {
                    json.writeStartObject();
                    json.writeStringField("id", call.id());
                    json.writeStringField("type", "function");
                    json.writeObjectFieldStart("function");
                    json.writeStringField("name", call.name());
                    json.writeStringField("arguments", call.arguments());
                    json.writeEndObject();
                    json.writeEndObject();
                }
                json.writeEndArray();
                finishReason = callsFinish(result);
            }
        }
        json.writeNullField("refusal");
        json.writeEndObject();
        return finishReason;
    }

    /** An output that made calls ends with {@code tool_calls}, unless it was cut short. */
    private static String callsFinish(GenerationResult result) {
        return result.finishReason() == FinishReason.LENGTH ? result.finishReason().openAiName() : "tool_calls";
    }

    /** Each choice's first chunk announces the role, before any token. */
    @Override
    public void writeStreamStart(SseWriter sse, int choices) throws IOException {
        if (toolCalls != null) {
            parsers = new ToolCallStreamParser[choices];
            called = new boolean[choices];
            for (int choice = 0; choice < choices; choice++) {
                parsers[choice] = toolCalls.newStreamParser();
            }
        }
        for (int choice = 0; choice < choices; choice++) {
            writeChunk(sse, choice, true, "", null, List.of());
        }
    }

    @Override
    public void writeStreamToken(SseWriter sse, int choice, GenerationEvent.Token token) throws IOException {
        if (parsers == null) {
            super.writeStreamToken(sse, choice, token);
        } else {
            writeEvents(sse, choice, parsers[choice].feed(token.text()));
        }
    }

    @Override
    public void writeStreamEnd(SseWriter sse, int choice, GenerationResult result, String unstreamedText)
            throws IOException {
        if (parsers == null) {
            super.writeStreamEnd(sse, choice, result, unstreamedText);
            return;
        }
        writeEvents(sse, choice, parsers[choice].feed(unstreamedText));
        writeEvents(sse, choice, parsers[choice].finish());
        writeChunk(sse, choice, false, "", called[choice] ? callsFinish(result) : result.finishReason().openAiName(),
                List.of());
    }

    private void writeEvents(SseWriter sse, int choice, List<ToolCallEvent> events) throws IOException {
        for (ToolCallEvent event : events) {
            switch (event) {
                case ToolCallEvent.ContentDelta(String text) -> {
                    if (!text.isEmpty()) {
                        writeChunk(sse, choice, false, text, null, List.of());
                    }
                }
                case ToolCallEvent.ToolCallStart(int index, String id, String name) -> {
                    called[choice] = true;
                    writeChunk(sse, choice, json -> writeCallDelta(json, index, id, name, ""), null, List.of());
                }
                case ToolCallEvent.ArgumentsDelta(int index, String fragment) ->
                        writeChunk(sse, choice, json -> writeCallDelta(json, index, null, null, fragment), null, List.of());
            }
        }
    }

    /** {@code "delta": {"tool_calls": [...]}}: the call's start when {@code id} is given, else a fragment of its arguments. */
    private static void writeCallDelta(JsonGenerator json, int index, String id, String name, String arguments)
            throws IOException {
        json.writeObjectFieldStart("delta");
        json.writeArrayFieldStart("tool_calls");
        json.writeStartObject();
        json.writeNumberField("index", index);
        if (id != null) {
            json.writeStringField("id", id);
            json.writeStringField("type", "function");
        }
        json.writeObjectFieldStart("function");
        if (name != null) {
            json.writeStringField("name", name);
        }
        json.writeStringField("arguments", arguments);
        json.writeEndObject();
        json.writeEndObject();
        json.writeEndArray();
        json.writeEndObject();
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
