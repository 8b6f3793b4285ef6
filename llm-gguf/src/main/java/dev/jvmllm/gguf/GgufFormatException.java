package dev.jvmllm.gguf;

/**
 * A file is not a GGUF file, is truncated or corrupt, or uses a feature this reader does not
 * support. The message says which, and where in the file.
 */
public class GgufFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GgufFormatException(String message) {
        super(message);
    }

    public GgufFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
