package dev.jvmllm.llamacpp;

import dev.jvmllm.gguf.RandomLlamaModel;
import dev.jvmllm.testing.TestAssets;

import java.nio.file.Path;

/** The models tests run on. */
final class TestModels {
    /** What stories260K continues "Once upon a time" with, greedily (its model card). */
    static final String ONCE_UPON_A_TIME = ", there was a little girl named Lily. She loved to play outside in the park."
            + " One day, she saw a big, red ball. She wanted to play with it, but it was too high.";

    private TestModels() {
    }

    /** stories260K.gguf ({@link TestAssets#stories()}). */
    static Path stories() {
        return TestAssets.stories();
    }

    /** A random-weight llama model written into {@code dir}: runs anywhere. */
    static Path random(Path dir) {
        return RandomLlamaModel.defaults().write(dir.resolve("random-llama.gguf"));
    }
}
