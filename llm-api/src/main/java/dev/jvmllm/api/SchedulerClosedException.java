package dev.jvmllm.api;

/** The scheduler is shutting down or closed and accepts no more requests (HTTP 503). */
public class SchedulerClosedException extends LlmException {
    private static final long serialVersionUID = 1L;

    public SchedulerClosedException(String message) {
        super(message);
    }
}
