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
 * @param weightBytes the size of the model's weight files, which decides the default thread count
 *                    ({@link ProcessorOptions#effectiveThreads(ModelInfo)})
 */
public record ModelInfo(String name, Path source, String backend, String architecture,
                        int vocabularySize, int trainedContextLength, long weightBytes) {
    public ModelInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(architecture, "architecture");
    }
}
