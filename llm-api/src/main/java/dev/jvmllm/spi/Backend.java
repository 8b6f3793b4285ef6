package dev.jvmllm.spi;

import dev.jvmllm.api.EmbeddingModel;
import dev.jvmllm.api.EmbeddingOptions;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelLoadException;
import dev.jvmllm.api.ModelOptions;

import java.nio.file.Path;

/**
 * A way to run models of some format. Implementations are found with {@link java.util.ServiceLoader}
 * (list them in {@code META-INF/services/dev.jvmllm.spi.Backend}) and need a public no-argument
 * constructor; creating one must be cheap and load nothing native.
 */
public interface Backend {

    /** A short stable name users pass to pick this backend, such as {@code llamacpp}. */
    String name();

    /**
     * Whether this backend recognises the path as its kind of model (by its name, or by reading a
     * few header bytes). Must not throw and must not load the model.
     */
    boolean canOpen(Path path);

    /**
     * Opens the model.
     *
     * @throws ModelLoadException with a message that says what is wrong with the path
     */
    Model open(Path path, ModelOptions options);

    /**
     * Whether the path holds a model made to compute embeddings rather than to generate text (an
     * encoder, or a model that declares a pooling), so that a server given only a path knows
     * which kind to open. Cheap, like {@link #canOpen}; false where the backend cannot tell.
     */
    default boolean isEmbeddingModel(Path path) {
        return false;
    }

    /**
     * Opens the model for embeddings.
     *
     * @throws ModelLoadException if this backend computes no embeddings, or with a message that
     *                            says what is wrong with the path
     */
    default EmbeddingModel openEmbeddingModel(Path path, ModelOptions options, EmbeddingOptions embedding) {
        throw new ModelLoadException("the " + name() + " backend computes no embeddings");
    }
}
