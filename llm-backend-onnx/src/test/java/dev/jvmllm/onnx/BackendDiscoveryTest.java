package dev.jvmllm.onnx;

import dev.jvmllm.api.Backends;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.spi.Backend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** ServiceLoader finds the backend by name, and by a path it recognises. */
class BackendDiscoveryTest {

    @Test
    void foundByNameAndByPath(@TempDir Path dir) throws IOException {
        Backend backend = Backends.byName("onnx");
        assertThat(backend).isInstanceOf(OnnxBackend.class);
        Path onnx = TestModels.convertedRandom(dir);
        assertThat(backend.canOpen(onnx)).isTrue();
        assertThat(backend.canOpen(onnx.resolve("model.onnx"))).isTrue();
        assertThat(backend.canOpen(onnx.resolve("config.json"))).isFalse();
        assertThat(backend.canOpen(dir.resolve("random.gguf"))).isFalse();
        assertThat(backend.canOpen(dir.resolve("missing"))).isFalse();
        Files.createDirectories(dir.resolve("empty"));
        assertThat(backend.canOpen(dir.resolve("empty"))).isFalse();
        try (Model model = Backends.open(onnx.resolve("model.onnx"), ModelOptions.defaults().withBackend("onnx"))) {
            assertThat(model.info().source()).isEqualTo(onnx);
            assertThat(model.info().backend()).isEqualTo("onnx");
        }
    }
}
