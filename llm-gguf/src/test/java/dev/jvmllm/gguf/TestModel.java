package dev.jvmllm.gguf;

import dev.jvmllm.testing.TestAssets;

import java.nio.file.Path;

/** The real test model. */
final class TestModel {
    private TestModel() {
    }

    /** The path of stories260K.gguf (see {@link TestAssets#stories()}). */
    static Path stories() {
        return TestAssets.stories();
    }
}
