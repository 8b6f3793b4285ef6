package dev.jvmllm.llamacpp;

import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelLoadException;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.gguf.GgufFile;
import dev.jvmllm.gguf.GgufFormatException;
import dev.jvmllm.llamacpp.internal.LlamaNative;
import dev.jvmllm.llamacpp.internal.NativeLibrary;
import dev.jvmllm.llamacpp.internal.NativeLog;
import dev.jvmllm.spi.Backend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Runs GGUF models with llama.cpp: the native library that {@code de.kherud:llama} ships, called
 * through {@code java.lang.foreign}. Found by {@link java.util.ServiceLoader} under the name
 * {@value #NAME}; usually reached through {@link dev.jvmllm.api.Backends#open}.
 *
 * <p>Before llama.cpp sees a file, {@link #open} checks that it exists, is readable and is a
 * complete GGUF file (its header, with {@link GgufFile}), so the common mistakes get a clear
 * {@link ModelLoadException} instead of a native error. The JVM needs
 * {@code --enable-native-access=ALL-UNNAMED} (or the module's name) to call native code without a
 * warning.
 */
public final class LlamaCppBackend implements Backend {
    /** This backend's name. */
    public static final String NAME = "llamacpp";

    private static final Logger log = LoggerFactory.getLogger(LlamaCppBackend.class);

    /** For {@link java.util.ServiceLoader}; loads nothing native. */
    public LlamaCppBackend() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /** A regular file whose name ends with {@code .gguf}, or that starts with the GGUF magic bytes. */
    @Override
    public boolean canOpen(Path path) {
        try {
            if (!Files.isRegularFile(path)) {
                return false;
            }
            Path name = path.getFileName();
            return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".gguf") || GgufFile.hasMagic(path);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Opens a GGUF model. {@link ModelOptions#gpuLayers()} becomes llama.cpp's
     * {@code n_gpu_layers} (the bundled CPU build ignores it).
     *
     * @throws ModelLoadException if the file is missing, empty, not a GGUF file, truncated, or
     *                            llama.cpp cannot load it (unsupported architecture, missing tensors)
     */
    @Override
    public Model open(Path path, ModelOptions options) {
        Path absolute = path.toAbsolutePath();
        GgufFile header = checkFile(absolute);
        String architecture = header.architecture().orElseThrow(() -> new ModelLoadException(
                "not a model: " + absolute + " has no general.architecture in its GGUF metadata"));
        try {
            NativeLibrary.lookup();
            LlamaNative.init();
        } catch (RuntimeException | LinkageError e) {
            throw new ModelLoadException(e.getMessage(), e);
        }
        MemorySegment model;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = LlamaNative.modelDefaultParams(arena);
            params.set(JAVA_INT, LlamaNative.offset(LlamaNative.MODEL_PARAMS, "n_gpu_layers"), options.gpuLayers());
            params.set(JAVA_BOOLEAN, LlamaNative.offset(LlamaNative.MODEL_PARAMS, "use_mmap"), true);
            NativeLog.clearFirstError();
            long start = System.nanoTime();
            model = LlamaNative.modelLoadFromFile(arena.allocateFrom(absolute.toString()), params);
            if (model.equals(MemorySegment.NULL)) {
                String reason = NativeLog.firstError();
                throw new ModelLoadException("llama.cpp could not load " + absolute + ": architecture '" + architecture
                        + "'" + (reason == null ? "" : ": " + reason));
            }
            log.debug("loaded {} ({}) in {} ms", absolute, architecture, (System.nanoTime() - start) / 1_000_000);
        } finally {
            NativeLog.clearFirstError();
        }
        try {
            return new LlamaCppModel(absolute, architecture, header.fileSize(), model);
        } catch (RuntimeException e) {
            LlamaNative.modelFree(model);
            throw e;
        }
    }

    private static GgufFile checkFile(Path path) {
        if (!Files.exists(path)) {
            throw new ModelLoadException("model not found: " + path);
        }
        if (Files.isDirectory(path)) {
            throw new ModelLoadException("not a GGUF file: " + path + " is a directory");
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new ModelLoadException("cannot read the model file " + path);
        }
        try {
            if (Files.size(path) == 0) {
                throw new ModelLoadException("empty file: " + path + " has 0 bytes, not a GGUF model");
            }
            return GgufFile.open(path);
        } catch (GgufFormatException e) {
            throw new ModelLoadException(e.getMessage(), e);
        } catch (IOException | UncheckedIOException e) {
            throw new ModelLoadException("cannot read the model file " + path + ": " + e.getMessage(), e);
        }
    }
}
