package dev.jvmllm.chat;

import dev.jvmllm.api.InvalidRequestException;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One message of a conversation, as OpenAI's chat completions carry it.
 *
 * @param role       {@code system}, {@code user}, {@code assistant}, {@code tool}, or another
 *                   role the template knows
 * @param content    the text, given as a string or as a list of text parts; empty where the
 *                   message has none (an assistant message that only calls tools), which the
 *                   template sees as an empty string
 * @param toolCalls  the calls an assistant message makes
 * @param toolCallId the call that a {@code tool} message answers
 * @param name       the participant's name, or for a {@code tool} message the function's
 */
public record ChatMessage(String role, Optional<Content> content, List<ToolCall> toolCalls,
                          Optional<String> toolCallId, Optional<String> name) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(toolCallId, "toolCallId");
        Objects.requireNonNull(name, "name");
        toolCalls = List.copyOf(toolCalls);
        if (role.isBlank()) {
            throw new InvalidRequestException("a message needs a role");
        }
    }

    /** A message with text content and nothing else. */
    public static ChatMessage of(String role, String content) {
        return new ChatMessage(role, Optional.of(new Text(content)), List.of(), Optional.empty(), Optional.empty());
    }

    public static ChatMessage system(String content) {
        return of("system", content);
    }

    public static ChatMessage user(String content) {
        return of("user", content);
    }

    public static ChatMessage assistant(String content) {
        return of("assistant", content);
    }

    /** An assistant message that calls tools and says nothing else. */
    public static ChatMessage assistantToolCalls(List<ToolCall> calls) {
        if (calls.isEmpty()) {
            throw new InvalidRequestException("an assistant message of tool calls needs at least one call");
        }
        return new ChatMessage("assistant", Optional.empty(), calls, Optional.empty(), Optional.empty());
    }

    /** The result of call {@code toolCallId}, for the model to read. */
    public static ChatMessage toolResult(String toolCallId, String content) {
        return new ChatMessage("tool", Optional.of(new Text(content)), List.of(), Optional.of(toolCallId), Optional.empty());
    }

    /** The content's text: the string, or the parts' texts joined; empty without content. */
    public String text() {
        return content.map(Content::text).orElse("");
    }

    /** A message's content: a string, or text parts. */
    public sealed interface Content {
        /** The text: the string, or the parts' texts joined. */
        String text();
    }

    /** Content given as a string. */
    public record Text(String text) implements Content {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * Content given as a list of parts, which templates see as OpenAI sends them:
     * {@code [{"type": "text", "text": ...}, ...]}.
     */
    public record Parts(List<String> texts) implements Content {
        public Parts {
            texts = List.copyOf(texts);
        }

        @Override
        public String text() {
            return String.join("", texts);
        }
    }
}
