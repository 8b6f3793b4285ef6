package dev.jvmllm.http.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationResult;

import java.io.IOException;

/**
 * How one endpoint shapes a generation: the whole answer when not streaming, the events of a
 * stream otherwise. {@link Generations} drives it; an implementation only writes JSON.
 */
interface ResponseFormat {

    /** The body of a non-streaming answer. */
    void writeResult(JsonGenerator json, GenerationResult result) throws IOException;

    /** Events sent right after the 200 status, before any token. */
    default void writeStreamStart(SseWriter sse) throws IOException {
    }

    /** The event of one generated token. */
    void writeStreamToken(SseWriter sse, GenerationEvent.Token token) throws IOException;

    /**
     * The closing events, before {@code data: [DONE]}.
     *
     * @param unstreamedText the end of the result's text that no token event carried (text the
     *                       scheduler held back while it could still begin a stop string);
     *                       usually empty
     */
    void writeStreamEnd(SseWriter sse, GenerationResult result, String unstreamedText) throws IOException;

    /** {@code usage} in the OpenAI shape; {@code /generate} uses it too. */
    static void writeUsage(JsonGenerator json, GenerationResult result) throws IOException {
        json.writeObjectFieldStart("usage");
        json.writeNumberField("prompt_tokens", result.promptTokens());
        json.writeNumberField("completion_tokens", result.completionTokens());
        json.writeNumberField("total_tokens", result.promptTokens() + result.completionTokens());
        json.writeEndObject();
    }
}
