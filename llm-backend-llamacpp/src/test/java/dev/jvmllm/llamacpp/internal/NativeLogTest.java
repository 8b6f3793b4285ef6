package dev.jvmllm.llamacpp.internal;

import dev.jvmllm.api.ModelLoadException;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.gguf.GgufWriter;
import dev.jvmllm.llamacpp.LlamaCppBackend;
import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.event.Level;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** llama.cpp's log arrives in SLF4J as whole lines at mapped levels. */
class NativeLogTest {
    @TempDir
    Path dir;

    private record Line(Level level, String text) {
    }

    @Test
    void joinsPiecesAndContinuationsIntoLines() {
        List<Line> lines = new CopyOnWriteArrayList<>();
        Runnable remove = NativeLog.addListener((level, text) -> lines.add(new Line(level, text)));
        try {
            NativeLog.append(2, "loading");
            NativeLog.append(5, " model");
            NativeLog.append(5, "... done\nsecond line\n");
            NativeLog.append(4, "broken");
            NativeLog.append(3, "careful\n\n");
            NativeLog.append(1, "detail\n");
        } finally {
            remove.run();
        }
        assertThat(lines).containsExactly(
                new Line(Level.DEBUG, "loading model... done"),
                new Line(Level.DEBUG, "second line"),
                new Line(Level.ERROR, "broken"),
                new Line(Level.WARN, "careful"),
                new Line(Level.TRACE, "detail"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bundled", "current"})
    void nativeMessagesReachTheLog(String library) {
        ModelOptions options = ModelOptions.defaults().withNativeLibrary(library.equals("bundled") ? "bundled"
                : TestAssets.currentLlamaLibrary().toString());
        List<Line> lines = new CopyOnWriteArrayList<>();
        Runnable remove = NativeLog.addListener((level, text) -> lines.add(new Line(level, text)));
        Path file = new GgufWriter().putString("general.architecture", "nosuch").write(dir.resolve("nosuch.gguf"));
        try {
            assertThatThrownBy(() -> new LlamaCppBackend().open(file, options))
                    .isInstanceOf(ModelLoadException.class);
        } finally {
            remove.run();
        }
        // b4916 wraps the reason once more than the current llama.cpp
        assertThat(lines).contains(new Line(Level.ERROR, library.equals("bundled")
                ? "llama_model_load: error loading model: error loading model architecture: unknown model architecture: 'nosuch'"
                : "llama_model_load: error loading model: unknown model architecture: 'nosuch'"));
        assertThat(lines).anySatisfy(line -> {
            assertThat(line.level()).isEqualTo(Level.DEBUG);
            assertThat(line.text()).startsWith("llama_model_loader: loaded meta data with 1 key-value pairs and 0 tensors");
        });
        assertThat(lines).allSatisfy(line -> assertThat(line.text()).doesNotContain("\n"));
    }
}
