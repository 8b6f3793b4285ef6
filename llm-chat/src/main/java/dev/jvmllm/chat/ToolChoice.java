package dev.jvmllm.chat;

import java.util.Objects;

/** Whether and which tools the model must call: OpenAI's {@code tool_choice}. */
public sealed interface ToolChoice {

    /** The model decides whether to call tools or to answer. */
    static ToolChoice auto() {
        return new Auto();
    }

    /** The model answers without tools; they are left out of the prompt. */
    static ToolChoice none() {
        return new None();
    }

    /** The model calls one or more tools. */
    static ToolChoice required() {
        return new Required();
    }

    /** The model calls this function, once. */
    static ToolChoice function(String name) {
        return new Function(name);
    }

    /** See {@link #auto()}. */
    record Auto() implements ToolChoice {
    }

    /** See {@link #none()}. */
    record None() implements ToolChoice {
    }

    /** See {@link #required()}. */
    record Required() implements ToolChoice {
    }

    /** See {@link #function(String)}. */
    record Function(String name) implements ToolChoice {
        public Function {
            Objects.requireNonNull(name, "name");
        }
    }
}
