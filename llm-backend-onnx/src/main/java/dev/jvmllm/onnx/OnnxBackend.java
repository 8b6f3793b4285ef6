package dev.jvmllm.onnx;

import dev.jvmllm.api.EmbeddingModel;
import dev.jvmllm.api.EmbeddingOptions;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelLoadException;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.onnx.internal.OnnxEmbeddingModel;
import dev.jvmllm.onnx.internal.OnnxModel;
import dev.jvmllm.spi.Backend;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The ONNX Runtime backend, named {@code onnx}: decoder-only models in the Hugging Face layout
 * (a directory with {@code model.onnx}, {@code config.json} and {@code tokenizer.json}), such as
 * Optimum exports or what {@link GgufToOnnxConverter} writes; and, for embeddings, encoders in the
 * same layout (BERT and its kin as sentence-transformers exports them: a directory with
 * {@code model.onnx} and {@code tokenizer.json}). Found by {@link java.util.ServiceLoader}.
 *
 * <p>The graph must take {@code input_ids}, {@code attention_mask}, optionally {@code position_ids},
 * and {@code past_key_values.N.key/value}, and produce {@code logits} and {@code present.N.key/value},
 * all float32; names and sizes are read from the session, and checked against {@code config.json}.
 * Runs on ONNX Runtime's CPU execution provider: options that ask for GPU layers or another
 * native library are refused.
 */
public final class OnnxBackend implements Backend {

    /** Creates the backend; loads nothing until {@link #open}. */
    public OnnxBackend() {
    }

    @Override
    public String name() {
        return OnnxModel.BACKEND;
    }

    /** A directory that contains {@code model.onnx}, or that file itself. */
    @Override
    public boolean canOpen(Path path) {
        try {
            if (Files.isDirectory(path)) {
                return Files.isRegularFile(path.resolve("model.onnx"));
            }
            return path.getFileName() != null && path.getFileName().toString().equals("model.onnx")
                    && Files.isRegularFile(path);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * @throws dev.jvmllm.api.ModelLoadException naming the missing file or the disagreement found,
     *                                            or the option this backend cannot honour
     */
    @Override
    public Model open(Path path, ModelOptions options) {
        checkOptions(options);
        Path directory = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        if (Files.isRegularFile(directory.resolve("config.json")) && isEmbeddingModel(path)) {
            throw new ModelLoadException(path + " is an encoder (its config.json names no causal language model): it"
                    + " computes embeddings and generates no text; open it with"
                    + " Backends.openEmbeddingModel, or serve it with ./llm serve --embedding-model");
        }
        return OnnxModel.open(path);
    }

    /** A model directory with no {@code config.json}, or one that names no causal language model. */
    @Override
    public boolean isEmbeddingModel(Path path) {
        if (!canOpen(path)) {
            return false;
        }
        try {
            return OnnxEmbeddingModel.isEncoder(Files.isDirectory(path) ? path : path.toAbsolutePath().getParent());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * @throws dev.jvmllm.api.ModelLoadException naming the missing file or what the graph lacks, or
     *                                            the option this backend cannot honour
     */
    @Override
    public EmbeddingModel openEmbeddingModel(Path path, ModelOptions options, EmbeddingOptions embedding) {
        checkOptions(options);
        return OnnxEmbeddingModel.open(path, embedding);
    }

    private static void checkOptions(ModelOptions options) {
        if (options.gpuLayers() > 0) {
            throw new ModelLoadException("the onnx backend runs on the CPU only; it cannot offload "
                    + options.gpuLayers() + " layers to a GPU");
        }
        if (options.nativeLibrary().isPresent()) {
            throw new ModelLoadException("the onnx backend runs on the ONNX Runtime of its class path; it cannot load the"
                    + " native library " + options.nativeLibrary().get());
        }
    }
}
