package dev.jvmllm.llamacpp;

import dev.jvmllm.api.Backends;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.spi.Backend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The backend is found by ServiceLoader and recognises GGUF files. */
class BackendDiscoveryTest {
    @TempDir
    Path dir;

    @Test
    void isInstalledUnderItsName() {
        assertThat(Backends.installed()).extracting(Backend::name).contains("llamacpp");
        assertThat(Backends.byName("llamacpp")).isInstanceOf(LlamaCppBackend.class);
    }

    @Test
    void recognisesGgufFilesByNameOrContent() throws Exception {
        LlamaCppBackend backend = new LlamaCppBackend();
        Path model = TestModels.random(dir);
        Path renamed = Files.copy(model, dir.resolve("weights.bin"));
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a model");
        Path empty = Files.createFile(dir.resolve("empty.GGUF"));

        assertThat(backend.canOpen(model)).isTrue();
        assertThat(backend.canOpen(renamed)).isTrue();
        // by name alone: open() then says what is wrong with it
        assertThat(backend.canOpen(empty)).isTrue();
        assertThat(backend.canOpen(text)).isFalse();
        assertThat(backend.canOpen(dir)).isFalse();
        assertThat(backend.canOpen(dir.resolve("missing.gguf"))).isFalse();
    }

    @Test
    void backendsOpenPicksItForAGgufFile() {
        try (Model model = Backends.open(TestModels.random(dir))) {
            assertThat(model.info().backend()).isEqualTo("llamacpp");
            assertThat(model).isInstanceOf(LlamaCppModel.class);
        }
        try (Model model = Backends.open(TestModels.random(dir), ModelOptions.defaults().withBackend("llamacpp"))) {
            assertThat(model.info().name()).isEqualTo("random-llama");
        }
    }
}
