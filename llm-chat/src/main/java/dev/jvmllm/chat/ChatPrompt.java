package dev.jvmllm.chat;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A conversation rendered for generation, and how to read what the model answers.
 *
 * @param text       the prompt, ending with the opening of the assistant's turn; it holds the
 *                   template's special tokens as text (such as {@code <|im_start|>}, and
 *                   {@code bos_token} where the template writes it), to be tokenized with
 *                   special tokens parsed and without adding BOS a second time
 * @param constraint what the output must be, where the request's tool choice demands it
 * @param format     the template's tool-call format
 * @param callable   the tools whose calls are read from the output: none under {@code none} or
 *                   without tools (then all of the output is content)
 */
public record ChatPrompt(String text, Optional<ConstrainedOutput> constraint, ToolCallFormat format,
                         List<Tool> callable) {

    public ChatPrompt {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(constraint, "constraint");
        Objects.requireNonNull(format, "format");
        callable = List.copyOf(callable);
    }

    /** Reads the whole output. */
    public ParsedOutput parse(String output) {
        return format.parse(output, callable);
    }

    /** Reads the output as it streams; the events add up to {@link #parse} of the whole. */
    public ToolCallStreamParser newStreamParser() {
        return format.newStreamParser(callable);
    }
}
