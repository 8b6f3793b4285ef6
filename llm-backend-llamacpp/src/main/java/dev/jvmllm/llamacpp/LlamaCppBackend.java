package dev.jvmllm.llamacpp;

import dev.jvmllm.api.EmbeddingModel;
import dev.jvmllm.api.EmbeddingOptions;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelLoadException;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.api.Pooling;
import dev.jvmllm.gguf.GgufFile;
import dev.jvmllm.gguf.GgufFormatException;
import dev.jvmllm.llamacpp.internal.B4916Library;
import dev.jvmllm.llamacpp.internal.CurrentLibrary;
import dev.jvmllm.llamacpp.internal.LlamaLibraries;
import dev.jvmllm.llamacpp.internal.LlamaLibrary;
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
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Runs GGUF models with llama.cpp, called through {@code java.lang.foreign}. Found by
 * {@link java.util.ServiceLoader} under the name {@value #NAME}; usually reached through
 * {@link dev.jvmllm.api.Backends#open}.
 *
 * <p>The llama.cpp library is chosen per model: {@link ModelOptions#nativeLibrary()}, else the
 * system property {@code jvmllm.llamacpp.library}, else the environment variable
 * {@code LLM_LLAMA_LIBRARY}, else the current llama.cpp that {@code ./llm fetch llama.cpp}
 * installs, else the one inside {@code de.kherud:llama} (b4916). Two C APIs are spoken, b4916's
 * and llama.cpp 0.5's; which one a library has is read from the library, and one that has
 * neither is refused with a {@link ModelLoadException} saying what was found.
 *
 * <p>{@link #openEmbeddingModel} opens the same files for embeddings: an encoder (BERT and its
 * kin), or a generative model whose hidden states are pooled.
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
    private static final String UNKNOWN_ARCHITECTURE = "unknown model architecture: ";
    /** llama.cpp's architectures that are encoders only: their output is an embedding, not logits. */
    private static final String ENCODER_ARCHITECTURE_LIST = "bert, nomic-bert, nomic-bert-moe, jina-bert-v2,"
            + " jina-bert-v3, neo-bert, modern-bert, t5encoder, eurobert";
    private static final Set<String> ENCODER_ARCHITECTURES = Set.of(ENCODER_ARCHITECTURE_LIST.split(", "));

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
     * {@code n_gpu_layers}; a library without a GPU backend runs every layer on the CPU and says
     * so in a warning.
     *
     * @throws ModelLoadException if the file is missing, empty, not a GGUF file, truncated, the
     *                            chosen llama.cpp library cannot be used, or it cannot load the
     *                            model (an architecture it does not know, missing tensors)
     */
    @Override
    public Model open(Path path, ModelOptions options) {
        Path absolute = path.toAbsolutePath();
        return load(absolute, checkFile(absolute), options);
    }

    /**
     * Whether the GGUF header declares a pooling ({@code <architecture>.pooling_type}, as
     * sentence-embedding conversions do) or names an encoder architecture
     * ({@value #ENCODER_ARCHITECTURE_LIST}). Reads the header only; false for anything else,
     * including a file it cannot read.
     */
    @Override
    public boolean isEmbeddingModel(Path path) {
        try {
            if (!canOpen(path)) {
                return false;
            }
            GgufFile header = GgufFile.open(path);
            return header.architecture()
                    .map(architecture -> ENCODER_ARCHITECTURES.contains(architecture)
                            || header.keyValue(poolingKey(architecture)).isPresent())
                    .orElse(false);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Opens a GGUF model for embeddings, with the checks and the library choice of {@link #open};
     * see {@link LlamaCppEmbeddingModel} for how its llama.cpp context is sized and how
     * {@link Pooling#MODEL_DEFAULT} is resolved.
     *
     * @throws ModelLoadException as {@link #open}, if the file declares a pooling that yields no
     *                            embedding (a reranker's {@code rank}; refused before llama.cpp
     *                            sees the file), or if llama.cpp cannot create the embeddings context
     */
    @Override
    public EmbeddingModel openEmbeddingModel(Path path, ModelOptions options, EmbeddingOptions embedding) {
        Objects.requireNonNull(embedding, "embedding");
        Path absolute = path.toAbsolutePath();
        GgufFile header = checkFile(absolute);
        OptionalInt declared;
        try {
            declared = header.getInt(poolingKey(architecture(absolute, header)));
        } catch (GgufFormatException e) {
            throw new ModelLoadException(e.getMessage() + ": " + absolute, e);
        }
        Pooling pooling = LlamaCppEmbeddingModel.resolve(embedding.pooling(), declared, absolute);
        LlamaCppModel model = load(absolute, header, options);
        try {
            return new LlamaCppEmbeddingModel(model, pooling, embedding.normalize());
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** The GGUF key of the pooling a model of that architecture declares. */
    private static String poolingKey(String architecture) {
        return architecture + ".pooling_type";
    }

    private static String architecture(Path file, GgufFile header) {
        return header.architecture().orElseThrow(() -> new ModelLoadException(
                "not a model: " + file + " has no general.architecture in its GGUF metadata"));
    }

    /** Loads a checked file: {@code header} is its {@link #checkFile}. */
    private static LlamaCppModel load(Path absolute, GgufFile header, ModelOptions options) {
        String architecture = architecture(absolute, header);
        LlamaLibrary library = library(options);
        if (options.gpuLayers() > 0 && !library.supportsGpuOffload()) {
            log.warn("{} layers were asked to go to a GPU, but {} has no GPU backend (llama_supports_gpu_offload is"
                    + " false): the model runs on the CPU", options.gpuLayers(), library);
        }
        MemorySegment model;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = library.modelParams(arena, options.gpuLayers());
            NativeLog.clearFirstError();
            long start = System.nanoTime();
            model = library.modelLoadFromFile(arena.allocateFrom(absolute.toString()), params);
            if (model.equals(MemorySegment.NULL)) {
                throw loadFailure(absolute, architecture, library, NativeLog.firstError());
            }
            log.debug("loaded {} ({}) on {} in {} ms", absolute, architecture, library,
                    (System.nanoTime() - start) / 1_000_000);
        } finally {
            NativeLog.clearFirstError();
        }
        try {
            return new LlamaCppModel(library, absolute, architecture, header.fileSize(), model);
        } catch (RuntimeException e) {
            library.modelFree(model);
            throw e;
        }
    }

    private static LlamaLibrary library(ModelOptions options) {
        try {
            return LlamaLibraries.get(options.nativeLibrary());
        } catch (ModelLoadException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            throw new ModelLoadException("cannot load the llama.cpp library: " + e.getMessage(), e);
        }
    }

    /**
     * Why llama.cpp returned no model. An architecture the library does not know is common with
     * the bundled b4916 (from March 2025), so the message says which library would load it.
     */
    private static ModelLoadException loadFailure(Path file, String architecture, LlamaLibrary library, String reason) {
        if (reason != null && reason.contains(UNKNOWN_ARCHITECTURE)) {
            String advice = library instanceof B4916Library
                    ? "; a current llama.cpp (" + CurrentLibrary.SPOKEN_VERSIONS.getFirst() + "x) may: install it with"
                    + " ./llm fetch llama.cpp (it is then the default), or choose one with --llama-library PATH"
                    : "; a newer llama.cpp may";
            return new ModelLoadException(library.describe() + " (" + library.path() + ") does not know the model"
                    + " architecture '" + architecture + "' of " + file + advice);
        }
        return new ModelLoadException("llama.cpp could not load " + file + ": architecture '" + architecture + "'"
                + (reason == null ? "" : ": " + reason));
    }

    /**
     * Writes {@code input} (a GGUF model, usually F32 or F16) quantized to {@code type} as
     * {@code output}, with llama.cpp's {@code llama_model_quantize} on the library that
     * {@code nativeLibrary} chooses (as {@link ModelOptions#nativeLibrary()}; empty for the
     * default). The bundled b4916 does not export that function; a current llama.cpp does.
     *
     * @param threads 0 for one per core
     * @throws ModelLoadException if the input is not a complete GGUF model, the output cannot be
     *                            written, the library cannot quantize, or quantizing fails
     */
    public static void quantize(Path input, Path output, QuantizationType type, Optional<String> nativeLibrary,
                                int threads) {
        Path source = input.toAbsolutePath();
        Path target = output.toAbsolutePath();
        architecture(source, checkFile(source)); // a model, not some other GGUF file
        if (threads < 0) {
            throw new IllegalArgumentException("threads must not be negative, got " + threads);
        }
        if (target.equals(source)) {
            throw new ModelLoadException("the quantized model must go to another file than " + source);
        }
        Path directory = target.getParent();
        if (directory == null || !Files.isDirectory(directory) || !Files.isWritable(directory)) {
            throw new ModelLoadException("cannot write " + target + ": " + directory + " is not a writable directory");
        }
        LlamaLibrary library = library(new ModelOptions(Optional.empty(), 0, nativeLibrary));
        LlamaLibrary.Quantizer quantizer = library.quantizer().orElseThrow(() -> new ModelLoadException(
                library.describe() + " (" + library.path() + ") does not export llama_model_quantize; quantize with a"
                        + " current llama.cpp: ./llm fetch llama.cpp installs one, or choose one with --llama-library PATH"));
        try (Arena arena = Arena.ofConfined()) {
            NativeLog.clearFirstError();
            long start = System.nanoTime();
            int result = quantizer.quantize(arena.allocateFrom(source.toString()), arena.allocateFrom(target.toString()),
                    type.fileType(), threads);
            if (result != 0) {
                String reason = NativeLog.firstError();
                throw new ModelLoadException("llama.cpp could not quantize " + source + " to " + type.label()
                        + (reason == null ? "" : ": " + reason));
            }
            log.debug("quantized {} to {} as {} in {} ms", source, type.label(), target,
                    (System.nanoTime() - start) / 1_000_000);
        } finally {
            NativeLog.clearFirstError();
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
            // every message names the file, also those of checks that do not know it
            String message = e.getMessage().contains(path.toString()) ? e.getMessage() : e.getMessage() + ": " + path;
            throw new ModelLoadException(message, e);
        } catch (IOException | UncheckedIOException e) {
            throw new ModelLoadException("cannot read the model file " + path + ": " + e.getMessage(), e);
        }
    }
}
