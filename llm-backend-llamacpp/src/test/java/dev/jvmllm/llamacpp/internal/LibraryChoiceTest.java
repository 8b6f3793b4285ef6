package dev.jvmllm.llamacpp.internal;

import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelLoadException;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.gguf.RandomLlamaModel;
import dev.jvmllm.llamacpp.LlamaCppBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A library that cannot be used is refused with a message that says what was found, before
 * anything is written into its structs; a refusal is remembered, and the JVM goes on running
 * models on a library that works.
 */
@SuppressWarnings("restricted")
class LibraryChoiceTest {
    private static final MemorySegment VERSION_TEXT = Arena.global().allocateFrom("0.9.1");

    @TempDir
    Path dir;

    @AfterEach
    void stillRunsAModelOnTheBundledLibrary() {
        Path model = RandomLlamaModel.defaults().write(dir.resolve("random.gguf"));
        try (Model opened = new LlamaCppBackend().open(model, ModelOptions.defaults().withNativeLibrary("bundled"))) {
            assertThat(opened.tokenize("Once upon a time", true)).hasSize(5);
        }
    }

    private static ModelLoadException refusal(String choice) {
        return org.junit.jupiter.api.Assertions.assertThrows(ModelLoadException.class,
                () -> LlamaLibraries.get(Optional.of(choice)));
    }

    @Test
    void aPathThatIsNoFile() {
        Path missing = dir.resolve("libllama-missing.so");
        assertThat(refusal(missing.toString())).hasMessage("llama.cpp library not found: " + missing
                + " is not a file (expected a libllama shared library, 'bundled' or 'installed')");
    }

    @Test
    void aFileThatIsNoSharedLibrary() throws Exception {
        Path text = Files.writeString(dir.resolve("libllama.so"), "not a library");
        assertThat(refusal(text.toString())).hasMessageStartingWith("cannot load " + text + " as a shared library: ");
    }

    @Test
    void aSharedLibraryThatIsNotLlamaCpp() {
        Path jimage = Path.of(System.getProperty("java.home"), "lib", System.mapLibraryName("jimage"));
        ModelLoadException first = refusal(jimage.toString());
        assertThat(first).hasMessage(jimage + " is not a llama.cpp library: it exports no llama_decode");
        // asked again, the same refusal
        assertThat(refusal(jimage.toString())).isSameAs(first);
    }

    @Test
    void aLlamaCppOfAnotherApiVersion() throws Exception {
        Path path = Path.of("/opt/llama/libllama.so");
        SymbolLookup library = exporting(Map.of("llama_decode", true, "llama_memory_clear", true, "llama_version", true));
        assertThatThrownBy(() -> LlamaLibrary.bind(path, library)).isInstanceOf(ModelLoadException.class)
                .hasMessage("llama.cpp 0.9.1 (/opt/llama/libllama.so) has a C API this build does not speak; it speaks"
                        + " [0.5.] and b4916 (the bundled library)");
    }

    @Test
    void aLlamaCppOfNeitherApi() throws Exception {
        Path path = Path.of("/opt/llama/libllama.so");
        SymbolLookup library = exporting(Map.of("llama_decode", true, "llama_memory_clear", true));
        assertThatThrownBy(() -> LlamaLibrary.bind(path, library)).isInstanceOf(ModelLoadException.class)
                .hasMessage("/opt/llama/libllama.so is a llama.cpp library of a C API this build does not speak (it has"
                        + " llama_memory_clear, no llama_version); it speaks [0.5.] and b4916 (the bundled library)");
    }

    @Test
    void installedWhenNothingIsInstalled() {
        String before = System.getProperty("jvmllm.cache");
        System.setProperty("jvmllm.cache", dir.toString());
        try {
            assertThat(refusal("installed")).hasMessage("no current llama.cpp is installed in "
                    + dir.resolve("llama.cpp").resolve(LlamaLibraries.INSTALLED_RELEASE) .resolve("linux-x64")
                    + ": run ./llm fetch llama.cpp, or name a libllama file");
        } finally {
            if (before == null) {
                System.clearProperty("jvmllm.cache");
            } else {
                System.setProperty("jvmllm.cache", before);
            }
        }
    }

    /** A symbol table with the named functions; {@code llama_version} answers {@code 0.9.1}. */
    private static SymbolLookup exporting(Map<String, Boolean> functions) throws Exception {
        MemorySegment version = Linker.nativeLinker().upcallStub(
                MethodHandles.lookup().findStatic(LibraryChoiceTest.class, "version", MethodType.methodType(MemorySegment.class)),
                FunctionDescriptor.of(ADDRESS), Arena.global());
        return name -> functions.containsKey(name) ? Optional.of(version) : Optional.empty();
    }

    private static MemorySegment version() {
        return VERSION_TEXT;
    }
}
