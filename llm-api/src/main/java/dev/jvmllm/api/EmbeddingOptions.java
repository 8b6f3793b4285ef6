package dev.jvmllm.api;

import java.util.Objects;

/**
 * How an {@link EmbeddingModel} turns token vectors into embeddings.
 *
 * @param pooling how the vectors of an input's tokens become one
 * @param normalize scale every embedding to unit length (L2), so that a dot product is the cosine
 */
public record EmbeddingOptions(Pooling pooling, boolean normalize) {

    public EmbeddingOptions {
        Objects.requireNonNull(pooling, "pooling");
    }

    /** The model's own pooling, normalised: what sentence-transformers and OpenAI give. */
    public static EmbeddingOptions defaults() {
        return new EmbeddingOptions(Pooling.MODEL_DEFAULT, true);
    }

    public EmbeddingOptions withPooling(Pooling value) {
        return new EmbeddingOptions(value, normalize);
    }

    public EmbeddingOptions withNormalize(boolean value) {
        return new EmbeddingOptions(pooling, value);
    }
}
