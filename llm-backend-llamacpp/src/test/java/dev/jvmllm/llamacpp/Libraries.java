package dev.jvmllm.llamacpp;

import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.testing.TestAssets;

import java.nio.file.Path;

/**
 * The two llama.cpp libraries the tests run on, by name for {@code @ValueSource}: the bundled
 * b4916 and the current llama.cpp ({@link TestAssets#currentLlamaLibrary()}).
 */
final class Libraries {
    static final String BUNDLED = "bundled";
    static final String CURRENT = "current";

    private Libraries() {
    }

    /** Model options that choose the library of that name. */
    static ModelOptions options(String library) {
        return ModelOptions.defaults().withNativeLibrary(choice(library));
    }

    /** What {@link ModelOptions#nativeLibrary()} takes for that name. */
    static String choice(String library) {
        return switch (library) {
            case BUNDLED -> BUNDLED;
            case CURRENT -> TestAssets.currentLlamaLibrary().toString();
            default -> throw new IllegalArgumentException(library);
        };
    }

    /** Opens a model on the library of that name. */
    static Model open(Path model, String library) {
        return new LlamaCppBackend().open(model, options(library));
    }
}
