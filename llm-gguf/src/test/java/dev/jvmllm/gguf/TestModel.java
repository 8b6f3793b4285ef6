package dev.jvmllm.gguf;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the real test model that the build passes in {@code llm.test.model}. */
final class TestModel {
    private TestModel() {
    }

    /** The path of stories260K.gguf; skips the calling test when none is configured. */
    static Path stories() {
        String property = System.getProperty("llm.test.model", "");
        Assumptions.assumeTrue(!property.isBlank() && !property.startsWith("${"),
                "llm.test.model is not set (set LLM_TEST_MODEL to stories260K.gguf)");
        Path path = Path.of(property);
        Assumptions.assumeTrue(Files.isRegularFile(path), "test model " + path + " does not exist");
        return path;
    }
}
