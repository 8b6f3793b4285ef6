package dev.jvmllm.scheduler;

import dev.jvmllm.api.Backends;
import dev.jvmllm.api.Model;
import dev.jvmllm.testing.TestAssets;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The real test model, stories260K ({@link TestAssets#stories()}). */
final class StoriesModel {

    private StoriesModel() {
    }

    static Model openOrSkip() {
        Path path = TestAssets.stories();
        assumeTrue(!Backends.installed().isEmpty(), "no backend on the test class path");
        return Backends.open(path);
    }
}
