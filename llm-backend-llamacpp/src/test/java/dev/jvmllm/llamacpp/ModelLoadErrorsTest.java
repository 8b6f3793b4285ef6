package dev.jvmllm.llamacpp;

import dev.jvmllm.api.Backends;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelLoadException;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.gguf.GgufFile;
import dev.jvmllm.gguf.GgufTensor;
import dev.jvmllm.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Files that are not loadable models give a clear ModelLoadException, and the JVM carries on. */
class ModelLoadErrorsTest {
    @TempDir
    Path dir;

    private final LlamaCppBackend backend = new LlamaCppBackend();

    private Model open(Path path) {
        return backend.open(path, ModelOptions.defaults());
    }

    @Test
    void missingFile() {
        Path missing = dir.resolve("missing.gguf");
        assertThatThrownBy(() -> open(missing)).isInstanceOf(ModelLoadException.class)
                .hasMessage("model not found: " + missing);
    }

    @Test
    void directory() {
        assertThatThrownBy(() -> open(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessage("not a GGUF file: " + dir + " is a directory");
    }

    @Test
    void emptyFile() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.gguf"));
        assertThatThrownBy(() -> open(empty)).isInstanceOf(ModelLoadException.class)
                .hasMessage("empty file: " + empty + " has 0 bytes, not a GGUF model");
    }

    @Test
    void textFileNamedGguf() throws Exception {
        Path text = Files.writeString(dir.resolve("story.gguf"), "Once upon a time, a text file wanted to be a model.");
        assertThatThrownBy(() -> open(text)).isInstanceOf(ModelLoadException.class)
                .hasMessage("not a GGUF file (magic 0x4f6e6365 'Once', expected 'GGUF'): " + text);
    }

    @Test
    void truncatedStoriesModelThenTheWholeOneLoads() throws Exception {
        Path stories = TestModels.stories();
        byte[] whole = Files.readAllBytes(stories);
        Path cut = Files.write(dir.resolve("cut.gguf"), Arrays.copyOf(whole, 100_000));
        assertThatThrownBy(() -> open(cut)).isInstanceOf(ModelLoadException.class)
                .hasMessage("truncated GGUF: the data of tensor 'token_embd.weight' ends at offset 145248, but the file"
                        + " ends at 100000: " + cut);
        Path header = Files.write(dir.resolve("header.gguf"), Arrays.copyOf(whole, 3000));
        assertThatThrownBy(() -> open(header)).isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith("truncated GGUF: ");

        try (Model model = open(stories)) {
            assertThat(model.info().name()).isEqualTo("stories260K");
            assertThat(model.tokenize("Once upon a time", true)).containsExactly(1, 403, 407, 261, 378);
        }
    }

    @Test
    void ggufWithoutArchitecture() {
        Path file = new GgufWriter().putString("general.name", "nothing").write(dir.resolve("noarch.gguf"));
        assertThatThrownBy(() -> open(file)).isInstanceOf(ModelLoadException.class)
                .hasMessage("not a model: " + file + " has no general.architecture in its GGUF metadata");
    }

    @Test
    void anArchitectureUnknownToB4916NamesTheLibraryThatMayLoadIt() {
        Path file = new GgufWriter().putString("general.architecture", "nosuch").write(dir.resolve("nosuch.gguf"));
        assertThatThrownBy(() -> Libraries.open(file, Libraries.BUNDLED)).isInstanceOf(ModelLoadException.class)
                .hasMessageMatching("llama\\.cpp b4916 \\(.*libjllama.so\\) does not know the model architecture"
                        + " 'nosuch' of \\Q" + file + "\\E; a current llama\\.cpp \\(0\\.5\\.x\\) may: install it with"
                        + " \\./llm fetch llama\\.cpp \\(it is then the default\\), or choose one with --llama-library PATH");
    }

    @Test
    void anArchitectureUnknownToTheCurrentLibrary() {
        Path file = new GgufWriter().putString("general.architecture", "nosuch").write(dir.resolve("nosuch.gguf"));
        Path library = dev.jvmllm.testing.TestAssets.currentLlamaLibrary();
        assertThatThrownBy(() -> Libraries.open(file, Libraries.CURRENT)).isInstanceOf(ModelLoadException.class)
                .hasMessageMatching("llama\\.cpp 0\\.5\\..* \\(\\Q" + library + "\\E\\) does not know the model"
                        + " architecture 'nosuch' of \\Q" + file + "\\E; a newer llama\\.cpp may");
    }

    @ParameterizedTest
    @ValueSource(strings = {Libraries.BUNDLED, Libraries.CURRENT})
    void missingTensorIsReportedWithLlamaCppsReason(String library) {
        GgufFile random = GgufFile.open(TestModels.random(dir));
        GgufWriter writer = new GgufWriter();
        random.keyValues().forEach(writer::put);
        for (GgufTensor t : random.tensors()) {
            if (!t.name().equals("blk.1.ffn_up.weight")) {
                writer.addRawTensor(t.name(), t.dimensions(), t.type(), random.readBytes(t));
            }
        }
        Path file = writer.write(dir.resolve("incomplete.gguf"));
        assertThatThrownBy(() -> Libraries.open(file, library)).isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith("llama.cpp could not load " + file + ": architecture 'llama': ")
                .hasMessageContaining(library.equals(Libraries.BUNDLED) ? "missing tensor 'blk.1.ffn_up.weight'"
                        : "tensor 'blk.1.ffn_up.weight' not found");

        try (Model model = Libraries.open(TestModels.random(dir), library)) {
            assertThat(model.info().architecture()).isEqualTo("llama");
        }
    }

    @Test
    void backendsOpenGivesTheSameMessages() throws Exception {
        Path text = Files.write(dir.resolve("notes.gguf"), "hello".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> Backends.open(text)).isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith("not a GGUF file (magic 0x68656c6c 'hell', expected 'GGUF')");
        assertThatThrownBy(() -> Backends.open(dir.resolve("gone.gguf"))).isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith("model not found: ");
    }
}
