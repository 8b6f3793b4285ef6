package dev.jvmllm.api;

import java.util.Optional;

/**
 * How a model is opened.
 *
 * @param backend the name of the backend to use ({@code llamacpp}, {@code onnx}); empty to let
 *                each installed backend say whether it can open the path
 * @param gpuLayers how many layers to offload to a GPU where the backend can; 0 for CPU only
 */
public record ModelOptions(Optional<String> backend, int gpuLayers) {

    public ModelOptions {
        if (gpuLayers < 0) {
            throw new IllegalArgumentException("gpuLayers must not be negative, got " + gpuLayers);
        }
    }

    /** Backend chosen by the path, CPU only. */
    public static ModelOptions defaults() {
        return new ModelOptions(Optional.empty(), 0);
    }

    public ModelOptions withBackend(String name) {
        return new ModelOptions(Optional.of(name), gpuLayers);
    }

    public ModelOptions withGpuLayers(int value) {
        return new ModelOptions(backend, value);
    }
}
