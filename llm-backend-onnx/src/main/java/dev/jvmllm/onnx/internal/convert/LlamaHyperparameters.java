package dev.jvmllm.onnx.internal.convert;

/**
 * The shape of a llama-architecture decoder, as GGUF metadata states it and as {@code config.json}
 * repeats it.
 *
 * @param vocabularySize number of tokens (rows of the embedding)
 * @param embeddingLength width of the residual stream
 * @param feedForwardLength inner width of the gated feed-forward block
 * @param blockCount number of transformer blocks
 * @param headCount query heads
 * @param headCountKv key/value heads; fewer than {@code headCount} means grouped-query attention
 * @param headDim width of one head
 * @param ropeFreqBase RoPE's θ base
 * @param ropeFreqScale linear RoPE scaling: positions are multiplied by this (1 = none)
 * @param rmsEpsilon the epsilon of RMS normalisation
 * @param contextLength the trained context length
 */
public record LlamaHyperparameters(int vocabularySize, int embeddingLength, int feedForwardLength, int blockCount,
                                   int headCount, int headCountKv, int headDim, float ropeFreqBase,
                                   float ropeFreqScale, float rmsEpsilon, int contextLength) {

    public LlamaHyperparameters {
        if (vocabularySize < 1 || embeddingLength < 1 || feedForwardLength < 1 || blockCount < 1 || headCount < 1
                || headCountKv < 1 || headDim < 1 || contextLength < 1) {
            throw new IllegalArgumentException("every size must be positive: " + sizes(vocabularySize, embeddingLength,
                    feedForwardLength, blockCount, headCount, headCountKv, headDim, contextLength));
        }
        if (headCount % headCountKv != 0) {
            throw new IllegalArgumentException("head count " + headCount + " is not a multiple of the key/value head count "
                    + headCountKv);
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("RoPE rotates pairs, so the head width must be even, got " + headDim);
        }
    }

    /** How many query heads share one key/value head. */
    public int groupSize() {
        return headCount / headCountKv;
    }

    private static String sizes(int... values) {
        return java.util.Arrays.toString(values);
    }
}
