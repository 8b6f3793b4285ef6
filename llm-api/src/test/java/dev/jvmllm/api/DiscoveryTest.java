package dev.jvmllm.api;

import dev.jvmllm.spi.Backend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Finding a backend, as defensively as SLF4J finds its provider: a provider that cannot be
 * instantiated is skipped, one whose check throws is passed over, the first of several that
 * recognise a model wins, a backend named explicitly comes first, and none is an error that lists
 * what is installed. The test providers are registered in this module's test resources.
 */
class DiscoveryTest {

    @TempDir
    Path dir;

    @Test
    void brokenProvidersAreSkippedAndTheOthersListedInOrder() {
        assertThat(Backends.installed()).extracting(Backend::name).containsExactly("throwing", "first", "second");
    }

    @Test
    void theFirstOfSeveralBackendsThatRecogniseAModelOpensIt() throws IOException {
        Path both = Files.writeString(dir.resolve("model.both"), "x");
        assertThatThrownBy(() -> Backends.open(both)).isInstanceOf(ModelLoadException.class)
                .hasMessage("first opened it");
    }

    @Test
    void aBackendNamedExplicitlyIsUsedWhateverTheOthersSay() throws IOException {
        Path both = Files.writeString(dir.resolve("model.both"), "x");
        assertThatThrownBy(() -> Backends.open(both, ModelOptions.defaults().withBackend("second")))
                .isInstanceOf(ModelLoadException.class).hasMessage("second opened it");
        assertThatThrownBy(() -> Backends.open(both, ModelOptions.defaults().withBackend("third")))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("no backend named 'third' is installed (installed: throwing, first, second)");
    }

    @Test
    void noBackendIsAnErrorThatListsWhatWasTried() throws IOException {
        Path other = Files.writeString(dir.resolve("model.other"), "x");
        assertThatThrownBy(() -> Backends.open(other)).isInstanceOf(ModelLoadException.class)
                .hasMessage("no installed backend recognises " + other.toAbsolutePath() + " (installed: throwing,"
                        + " first, second); a llama.cpp model is a .gguf file, an ONNX model a directory with model.onnx");
    }

    /** Cannot be instantiated: the service loader fails on it. */
    public static final class Broken extends Named {
        public Broken() {
            super("broken");
            throw new IllegalStateException("no native library");
        }
    }

    /** Throws while checking a path. */
    public static final class Throwing extends Named {
        public Throwing() {
            super("throwing");
        }

        @Override
        public boolean canOpen(Path path) {
            throw new IllegalStateException("cannot read the header");
        }
    }

    public static final class First extends Named {
        public First() {
            super("first");
        }
    }

    public static final class Second extends Named {
        public Second() {
            super("second");
        }
    }

    /** Recognises {@code *.both}; opening throws its own name, so a test sees which one was chosen. */
    abstract static class Named implements Backend {
        private final String name;

        Named(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean canOpen(Path path) {
            return path.getFileName().toString().endsWith(".both");
        }

        @Override
        public Model open(Path path, ModelOptions options) {
            throw new ModelLoadException(name + " opened it");
        }
    }
}
