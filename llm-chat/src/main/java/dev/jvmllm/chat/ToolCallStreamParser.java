package dev.jvmllm.chat;

import java.util.List;

/**
 * Reads tool calls out of an output while it is generated. Holds back text that may be the
 * start of a call (such as {@code <tool_c}) until it knows. One per output; not thread-safe.
 * Feeding an output in any pieces gives the same events, concatenated, as feeding it whole.
 */
public interface ToolCallStreamParser {

    /** The events that the output so far makes certain, beyond those already returned. */
    List<ToolCallEvent> feed(String delta);

    /** The output has ended: the remaining events (held-back text, an unfinished call's end). */
    List<ToolCallEvent> finish();
}
