package dev.jvmllm.scheduler;

import dev.jvmllm.api.Backends;
import dev.jvmllm.api.Model;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real test model, stories260K, named by the {@code llm.test.model} system property (set from
 * {@code LLM_TEST_MODEL}); tests that need it are skipped where it or a backend is missing.
 */
final class StoriesModel {

    private StoriesModel() {
    }

    static Model openOrSkip() {
        String property = System.getProperty("llm.test.model", "");
        Path path = property.isBlank() || property.startsWith("${") ? null : Path.of(property);
        assumeTrue(path != null && Files.isRegularFile(path),
                "set LLM_TEST_MODEL to ../shared/models/stories260K.gguf to run the real-model tests");
        assumeTrue(!Backends.installed().isEmpty(), "no backend on the test class path");
        return Backends.open(path);
    }
}
