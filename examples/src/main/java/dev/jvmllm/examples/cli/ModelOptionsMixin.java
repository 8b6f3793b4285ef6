package dev.jvmllm.examples.cli;

import dev.jvmllm.api.Backends;
import dev.jvmllm.api.EmbeddingModel;
import dev.jvmllm.api.EmbeddingOptions;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The options every command that runs a model shares: generate, serve and bench. */
public final class ModelOptionsMixin {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "PATH",
            description = "model file (.gguf) or ONNX model directory; default: $LLM_MODEL")
    Path model;

    @Option(names = "--backend", paramLabel = "NAME",
            description = "llamacpp or onnx; default: chosen from the model path")
    String backend;

    @Option(names = "--threads", paramLabel = "N",
            description = "CPU threads; default: the backend's choice for the model and library")
    int threads;

    @Option(names = "--gpu-layers", paramLabel = "N",
            description = "layers to offload to a GPU (a GPU build of llama.cpp); 999 offloads all; default: 0")
    int gpuLayers;

    @Option(names = "--llama-library", paramLabel = "LIB",
            description = {"the llama.cpp library: a libllama file, 'installed' (./llm fetch llama.cpp) or 'bundled'"
                    + " (b4916, inside de.kherud:llama); default: $LLM_LLAMA_LIBRARY, else the installed one, else the"
                    + " bundled one"})
    List<String> llamaLibraries = List.of();

    @Option(names = "--context", paramLabel = "N",
            description = "tokens per sequence (prompt + generated); default: the model's context length")
    int contextSize;

    /** The model's path: {@code --model}, else {@code $LLM_MODEL}. */
    public Path modelPath() {
        if (model != null) {
            return model;
        }
        String fromEnv = System.getenv("LLM_MODEL");
        if (fromEnv == null || fromEnv.isBlank()) {
            throw new ParameterException(spec.commandLine(), "no model: pass --model PATH or set LLM_MODEL");
        }
        return Path.of(fromEnv);
    }

    /**
     * Opens the model with the backend named by {@code --backend}, or the one that recognises the
     * path, on the {@code --llama-library} (once at most here).
     */
    public Model open() {
        if (llamaLibraries.size() > 1) {
            throw new ParameterException(spec.commandLine(), "--llama-library is given " + llamaLibraries.size()
                    + " times; this command runs on one library");
        }
        return open(llamaLibraries.stream().findFirst());
    }

    /** Opens the model on a given llama.cpp library (empty: the default one). */
    public Model open(Optional<String> llamaLibrary) {
        return Backends.open(modelPath(), options(llamaLibrary));
    }

    /** Whether {@code --model} names a model made for embeddings (an encoder, or a GGUF that declares a pooling). */
    public boolean isEmbeddingModel() {
        return Backends.isEmbeddingModel(modelPath(), options(Optional.empty()));
    }

    /** Opens {@code --model} for embeddings, with the same backend, GPU and library options as {@link #open()}. */
    public EmbeddingModel openEmbedding(EmbeddingOptions embedding) {
        if (llamaLibraries.size() > 1) {
            throw new ParameterException(spec.commandLine(), "--llama-library is given " + llamaLibraries.size()
                    + " times; this command runs on one library");
        }
        return Backends.openEmbeddingModel(modelPath(), options(llamaLibraries.stream().findFirst()), embedding);
    }

    private ModelOptions options(Optional<String> llamaLibrary) {
        ModelOptions options = ModelOptions.defaults().withGpuLayers(gpuLayers);
        if (backend != null) {
            options = options.withBackend(backend);
        }
        if (llamaLibrary.isPresent()) {
            options = options.withNativeLibrary(llamaLibrary.get());
        }
        return options;
    }

    /** Every {@code --llama-library}, in order (empty: the default one). */
    public List<String> llamaLibraries() {
        return llamaLibraries;
    }

    /** {@code --threads}; 0 when not given. */
    public int threads() {
        return threads;
    }

    /** {@code --context}; 0 when not given. */
    public int contextSize() {
        return contextSize;
    }
}
