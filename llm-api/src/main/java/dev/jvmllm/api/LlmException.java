package dev.jvmllm.api;

/**
 * Base of every exception this library throws on purpose. Subclasses say what went wrong in a
 * way that an application (or the HTTP layer) can map to a response: a bad request, a model
 * that does not load, a full queue, a scheduler that is shutting down.
 */
public class LlmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LlmException(String message) {
        super(message);
    }

    public LlmException(String message, Throwable cause) {
        super(message, cause);
    }
}
