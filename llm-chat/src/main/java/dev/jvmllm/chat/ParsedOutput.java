package dev.jvmllm.chat;

import java.util.List;
import java.util.Objects;

/**
 * A generated output read as an assistant message.
 *
 * @param content   the text that is not a tool call, empty if there is none
 * @param toolCalls the calls, in the order they were made, each with a generated id and its
 *                  arguments as compact JSON
 */
public record ParsedOutput(String content, List<ToolCall> toolCalls) {
    public ParsedOutput {
        Objects.requireNonNull(content, "content");
        toolCalls = List.copyOf(toolCalls);
    }
}
