package dev.jvmllm.http.internal;

import com.fasterxml.jackson.core.JsonGenerator;

import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.TokenLogprob;

import java.io.IOException;
import java.util.List;

/**
 * {@code POST /v1/completions}: objects {@code text_completion}, the choice's content in
 * {@code text}. Log-probabilities are the legacy shape {@code {"tokens", "token_logprobs",
 * "top_logprobs": [{token: logprob}], "text_offset"}}, the offsets counted in the characters of
 * the tokens' texts from the start of the choice's completion (through the chunks of a stream).
 */
final class CompletionFormat extends OpenAiFormat {
    /** Per choice, where its next token's text starts: the characters of every token reported so far. */
    private final int[] textOffsets;

    /** @param tokens the model, for {@code logprobs}; null when the request asked for none */
    CompletionFormat(String id, long created, String model, boolean streamUsage, Model tokens, int choices) {
        super(id, created, model, streamUsage, tokens);
        this.textOffsets = new int[choices];
    }

    @Override
    void writeLogprobs(JsonGenerator json, int choice, List<TokenLogprob> logprobs) throws IOException {
        json.writeStartObject();
        json.writeArrayFieldStart("tokens");
        for (TokenLogprob logprob : logprobs) {
            json.writeString(text(logprob.token()));
        }
        json.writeEndArray();
        json.writeArrayFieldStart("token_logprobs");
        for (TokenLogprob logprob : logprobs) {
            json.writeNumber(logprob.logprob());
        }
        json.writeEndArray();
        json.writeArrayFieldStart("top_logprobs");
        for (TokenLogprob logprob : logprobs) {
            json.writeStartObject();
            for (TokenLogprob.Candidate candidate : logprob.top()) {
                json.writeNumberField(text(candidate.token()), candidate.logprob());
            }
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeArrayFieldStart("text_offset");
        for (TokenLogprob logprob : logprobs) {
            json.writeNumber(textOffsets[choice]);
            textOffsets[choice] += text(logprob.token()).length();
        }
        json.writeEndArray();
        json.writeEndObject();
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
    String writeResultContent(JsonGenerator json, GenerationResult result) throws IOException {
        json.writeStringField("text", result.text());
        return result.finishReason().openAiName();
    }

    @Override
    void writeChunkContent(JsonGenerator json, boolean first, String text) throws IOException {
        json.writeStringField("text", text);
    }
}
