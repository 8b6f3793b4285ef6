package dev.jvmllm.onnx.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jvmllm.api.ModelLoadException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading and writing the JSON files of a model directory, with errors that name the file. */
public final class Json {
    /** The one mapper of the module: thread-safe once configured. */
    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    /**
     * Reads a file the model cannot do without.
     *
     * @param purpose what the file provides, for the error message
     * @throws ModelLoadException if it is missing or not JSON
     */
    public static JsonNode readRequired(Path file, String purpose) {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file.getParent() + " has no " + file.getFileName() + " (" + purpose + ")");
        }
        return read(file);
    }

    /** Reads a file that may be absent; null when it is. */
    public static JsonNode readOptional(Path file) {
        return Files.isRegularFile(file) ? read(file) : null;
    }

    /** Writes a JSON tree, indented. */
    public static void write(Path file, Object value) {
        try {
            MAPPER.writeValue(file.toFile(), value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static JsonNode read(Path file) {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelLoadException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
