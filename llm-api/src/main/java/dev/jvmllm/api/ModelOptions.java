package dev.jvmllm.api;

import java.util.Objects;
import java.util.Optional;

/**
 * How a model is opened.
 *
 * @param backend the name of the backend to use ({@code llamacpp}, {@code onnx}); empty to let
 *                each installed backend say whether it can open the path
 * @param gpuLayers how many layers to offload to a GPU where the backend and its native library
 *                  can; 0 for CPU only; more than the model has offloads all of them
 * @param nativeLibrary the native library the backend runs the model on, where it lets the user
 *                      choose one: a file path, or a name the backend defines (the llama.cpp
 *                      backend: a {@code libllama} file, {@code bundled} or {@code installed});
 *                      empty for the backend's default. A backend that has no such choice refuses it.
 */
public record ModelOptions(Optional<String> backend, int gpuLayers, Optional<String> nativeLibrary) {

    public ModelOptions {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(nativeLibrary, "nativeLibrary");
        if (gpuLayers < 0) {
            throw new IllegalArgumentException("gpuLayers must not be negative, got " + gpuLayers);
        }
    }

    /** Backend chosen by the path, CPU only, the backend's default native library. */
    public static ModelOptions defaults() {
        return new ModelOptions(Optional.empty(), 0, Optional.empty());
    }

    public ModelOptions withBackend(String name) {
        return new ModelOptions(Optional.of(name), gpuLayers, nativeLibrary);
    }

    public ModelOptions withGpuLayers(int value) {
        return new ModelOptions(backend, value, nativeLibrary);
    }

    public ModelOptions withNativeLibrary(String value) {
        return new ModelOptions(backend, gpuLayers, Optional.of(value));
    }
}
