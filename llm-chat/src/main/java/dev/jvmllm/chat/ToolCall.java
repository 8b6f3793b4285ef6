package dev.jvmllm.chat;

import java.util.Objects;

/**
 * A function call made by the assistant, as OpenAI carries it.
 *
 * @param id        names the call, so that its result ({@link ChatMessage#toolResult}) can refer to it
 * @param name      the function
 * @param arguments the arguments as JSON text (normally an object)
 */
public record ToolCall(String id, String name, String arguments) {
    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
    }
}
