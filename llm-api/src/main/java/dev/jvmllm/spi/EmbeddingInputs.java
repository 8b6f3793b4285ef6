package dev.jvmllm.spi;

import dev.jvmllm.api.InvalidRequestException;

import java.util.List;

/** The checks every {@link dev.jvmllm.api.EmbeddingModel} makes before native code sees its inputs. */
public final class EmbeddingInputs {
    private EmbeddingInputs() {
    }

    /**
     * @throws InvalidRequestException naming the first offending input by its index ({@code input[2]})
     */
    public static void check(List<int[]> inputs, int vocabularySize, int maxInputTokens) {
        if (inputs.isEmpty()) {
            throw new InvalidRequestException("there is no input to embed");
        }
        for (int i = 0; i < inputs.size(); i++) {
            int[] tokens = inputs.get(i);
            if (tokens == null || tokens.length == 0) {
                throw new InvalidRequestException("input[" + i + "] is empty: there is nothing to embed");
            }
            if (tokens.length > maxInputTokens) {
                throw new InvalidRequestException("input[" + i + "] has " + tokens.length
                        + " tokens; this model embeds at most " + maxInputTokens);
            }
            for (int j = 0; j < tokens.length; j++) {
                if (tokens[j] < 0 || tokens[j] >= vocabularySize) {
                    throw new InvalidRequestException("input[" + i + "][" + j + "] = " + tokens[j]
                            + " is outside the vocabulary (0.." + (vocabularySize - 1) + ")");
                }
            }
        }
    }

    /** Scales a vector to unit length in place; a zero vector stays zero. */
    public static void normalize(float[] vector) {
        double sum = 0;
        for (float v : vector) {
            sum += (double) v * v;
        }
        if (sum == 0) {
            return;
        }
        float scale = (float) (1 / Math.sqrt(sum));
        for (int i = 0; i < vector.length; i++) {
            vector[i] *= scale;
        }
    }
}
