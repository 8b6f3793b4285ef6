package dev.jvmllm.examples.cli;

import dev.jvmllm.api.Backends;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.nio.file.Path;

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

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads; default: chosen by the model's size (1 below 64 MiB of weights, else all cores)")
    int threads;

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

    /** Opens the model with the backend named by {@code --backend}, or the one that recognises the path. */
    public Model open() {
        ModelOptions options = backend == null ? ModelOptions.defaults() : ModelOptions.defaults().withBackend(backend);
        return Backends.open(modelPath(), options);
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
