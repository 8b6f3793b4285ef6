package dev.jvmllm.http.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationResult;

import java.io.IOException;
import java.util.List;

/**
 * How one endpoint shapes the generations of a request, its choices (numbered from 0): the whole
 * answer when not streaming, the events of a stream otherwise. {@link Generations} drives it; an
 * implementation only writes JSON.
 */
interface ResponseFormat {

    /** The body of a non-streaming answer: the results of every choice, in choice order. */
    void writeResult(JsonGenerator json, List<GenerationResult> choices) throws IOException;

    /** Events sent right after the 200 status, before any token. */
    default void writeStreamStart(SseWriter sse, int choices) throws IOException {
    }

    /** The event of one generated token of a choice. */
    void writeStreamToken(SseWriter sse, int choice, GenerationEvent.Token token) throws IOException;

    /**
     * The events that end a choice.
     *
     * @param unstreamedText the end of the result's text that no token event carried (text the
     *                       scheduler held back while it could still begin a stop string);
     *                       usually empty
     */
    void writeStreamEnd(SseWriter sse, int choice, GenerationResult result, String unstreamedText) throws IOException;

    /** The events after every choice ended, before {@code data: [DONE]}. */
    default void writeStreamClose(SseWriter sse, List<GenerationResult> choices) throws IOException {
    }

    /**
     * {@code usage} in the OpenAI shape, {@code /generate} uses it too: the choices share one
     * prompt, computed once, so it counts once; their completions add up.
     * {@code prompt_tokens_details.cached_tokens} says how many of the prompt's tokens a cached
     * prefix held (OpenAI's field for its prompt caching).
     */
    static void writeUsage(JsonGenerator json, List<GenerationResult> choices) throws IOException {
        int prompt = choices.getFirst().promptTokens();
        int completion = 0;
        for (GenerationResult result : choices) {
            completion += result.completionTokens();
        }
        json.writeObjectFieldStart("usage");
        json.writeNumberField("prompt_tokens", prompt);
        json.writeNumberField("completion_tokens", completion);
        json.writeNumberField("total_tokens", prompt + completion);
        json.writeObjectFieldStart("prompt_tokens_details");
        json.writeNumberField("cached_tokens", choices.getFirst().cachedPromptTokens());
        json.writeEndObject();
        json.writeEndObject();
    }
}
