package dev.jvmllm.api;

import java.util.List;

/**
 * An opened model that turns text into vectors: an encoder (BERT and its kin), or a generative
 * model whose hidden states are pooled. Opened by a {@link dev.jvmllm.spi.Backend} (usually
 * through {@link Backends#openEmbeddingModel}); thread-safe; closing it releases the weights.
 *
 * <pre>{@code
 * try (EmbeddingModel model = Backends.openEmbeddingModel(Path.of("all-MiniLM-L6-v2"))) {
 *     List<float[]> vectors = model.embed(List.of(model.tokenize("A man is eating food.")));
 * }
 * }</pre>
 *
 * For many concurrent callers, {@code dev.jvmllm.scheduler.EmbeddingBatcher} gathers their
 * inputs into shared forward passes.
 */
public interface EmbeddingModel extends AutoCloseable {

    /** What this model is. */
    ModelInfo info();

    /** Number of token ids; valid ids are {@code 0 .. vocabularySize() - 1}. */
    default int vocabularySize() {
        return info().vocabularySize();
    }

    /** The length of every embedding. */
    int dimensions();

    /** The most tokens one input may have. */
    int maxInputTokens();

    /** How many inputs one forward pass takes at most; {@link #embed} splits larger lists. */
    int maxBatchInputs();

    /** The pooling this model applies: never {@link Pooling#MODEL_DEFAULT}, which is resolved when it opens. */
    Pooling pooling();

    /** Whether embeddings are scaled to unit length. */
    boolean normalized();

    /** Turns text into token ids, with the special tokens the model expects around an input ({@code [CLS] … [SEP]}, BOS). */
    int[] tokenize(String text);

    /**
     * One embedding per input, in order. Inputs share forward passes, up to {@link #maxBatchInputs()}
     * a pass; an input's embedding does not depend on the others in its pass (beyond float rounding).
     *
     * @throws InvalidRequestException if the list or an input is empty, an input is longer than
     *                                 {@link #maxInputTokens()} or holds an id outside the vocabulary
     *                                 (checked by {@link dev.jvmllm.spi.EmbeddingInputs#check} before
     *                                 native code sees anything)
     */
    List<float[]> embed(List<int[]> inputs);

    /** Releases the model. Idempotent. */
    @Override
    void close();
}
