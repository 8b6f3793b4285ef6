package dev.jvmllm.api;

/** A model file or directory could not be opened: missing, unreadable, malformed or unsupported. */
public class ModelLoadException extends LlmException {
    private static final long serialVersionUID = 1L;

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
