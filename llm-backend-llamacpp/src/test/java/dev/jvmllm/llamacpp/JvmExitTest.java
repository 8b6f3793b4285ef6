package dev.jvmllm.llamacpp;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Map;

/**
 * A JVM that used the backend exits normally when main returns, on either library: llama.cpp
 * leaves no thread behind that keeps the JVM alive (java-llama.cpp's own API does).
 */
class JvmExitTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"close, bundled", "leak, bundled", "close, current", "leak, current"})
    void exitsWhenMainReturns(String mode, String library) throws Exception {
        ChildJvm.runExitCheck(dir, TestModels.random(dir), mode, Libraries.choice(library), Map.of());
    }
}
