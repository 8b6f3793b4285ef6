package dev.jvmllm.llamacpp;

import dev.jvmllm.gguf.RandomLlamaModel;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** The models tests run on. */
final class TestModels {
    /** What stories260K continues "Once upon a time" with, greedily (its model card). */
    static final String ONCE_UPON_A_TIME = ", there was a little girl named Lily. She loved to play outside in the park."
            + " One day, she saw a big, red ball. She wanted to play with it, but it was too high.";

    private TestModels() {
    }

    /** stories260K.gguf from {@code llm.test.model}; skips the calling test when it is not configured. */
    static Path stories() {
        String property = System.getProperty("llm.test.model", "");
        Assumptions.assumeTrue(!property.isBlank() && !property.startsWith("${"),
                "llm.test.model is not set (set LLM_TEST_MODEL to stories260K.gguf)");
        Path path = Path.of(property);
        Assumptions.assumeTrue(Files.isRegularFile(path), "test model " + path + " does not exist");
        return path;
    }

    /** A random-weight llama model written into {@code dir}: runs anywhere. */
    static Path random(Path dir) {
        return RandomLlamaModel.defaults().write(dir.resolve("random-llama.gguf"));
    }
}
