package dev.jvmllm.api;

/**
 * The caller passed a value that the model cannot take: a token id outside the vocabulary, a
 * position past the context, a prompt longer than the context, an unknown parameter value.
 * Always thrown before native code sees the value; the model and its processors stay usable.
 */
public class InvalidRequestException extends LlmException {
    private static final long serialVersionUID = 1L;

    public InvalidRequestException(String message) {
        super(message);
    }
}
