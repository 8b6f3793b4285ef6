package dev.jvmllm.chat;

import java.util.Objects;

/**
 * What a {@link ToolCallStreamParser} reads from a streaming output. Concatenated in order, the
 * events give the {@link ParsedOutput} of the whole output: the content deltas its content,
 * each start and its arguments deltas one call.
 */
public sealed interface ToolCallEvent {

    /** Text of the assistant's content. */
    record ContentDelta(String text) implements ToolCallEvent {
        public ContentDelta {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * A call begins; its arguments follow as {@link ArgumentsDelta}s with the same index.
     *
     * @param index 0 for the output's first call, then 1, 2, ...
     */
    record ToolCallStart(int index, String id, String name) implements ToolCallEvent {
        public ToolCallStart {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
        }
    }

    /** The next piece of call {@code index}'s arguments JSON text. */
    record ArgumentsDelta(int index, String fragment) implements ToolCallEvent {
        public ArgumentsDelta {
            Objects.requireNonNull(fragment, "fragment");
        }
    }
}
