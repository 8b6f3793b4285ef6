package dev.jvmllm.api;

/**
 * A scheduler refused a request at once because its waiting queue is full. Retrying after a
 * short delay is the right reaction (the HTTP layer answers 429 with {@code Retry-After}).
 */
public class QueueFullException extends LlmException {
    private static final long serialVersionUID = 1L;

    public QueueFullException(String message) {
        super(message);
    }
}
