package dev.jvmllm.api;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What an opened model is.
 *
 * @param name a short name for listings and the OpenAI {@code model} field (the file or directory name)
 * @param source the path it was opened from
 * @param backend the {@link dev.jvmllm.spi.Backend#name() backend} that opened it
 * @param architecture the architecture as the model file names it, such as {@code llama}
 * @param vocabularySize number of token ids; valid ids are {@code 0 .. vocabularySize - 1}
 * @param trainedContextLength the context length the model was trained with
 * @param weightBytes the size of the model's weight files
 * @param runtime what runs it, with its version: {@code llama.cpp 0.5.0-dev}, {@code llama.cpp b4916},
 *                {@code onnxruntime 1.23.2}
 * @param defaultThreads the CPU threads a processor uses when its options ask for none
 *                       ({@link ProcessorOptions#effectiveThreads(ModelInfo)}): the backend's
 *                       choice for this model and runtime
 * @param defaultDecodeThreads the CPU threads of a pass over a single token (one stream's next
 *                             token) when the options ask for none
 *                             ({@link ProcessorOptions#effectiveDecodeThreads(ModelInfo)}); where a
 *                             backend makes no such difference, {@code defaultThreads}
 */
public record ModelInfo(String name, Path source, String backend, String architecture,
                        int vocabularySize, int trainedContextLength, long weightBytes, String runtime,
                        int defaultThreads, int defaultDecodeThreads) {
    public ModelInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(runtime, "runtime");
        if (defaultThreads < 1 || defaultDecodeThreads < 1) {
            throw new IllegalArgumentException("defaultThreads and defaultDecodeThreads must be at least 1, got "
                    + defaultThreads + " and " + defaultDecodeThreads);
        }
    }
}
