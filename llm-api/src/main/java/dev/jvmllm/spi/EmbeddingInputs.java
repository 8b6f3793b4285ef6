package dev.jvmllm.spi;

import dev.jvmllm.api.InvalidRequestException;

import java.util.List;
import java.util.function.IntFunction;

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

    /**
     * Mean pooling: the average of {@code count} token vectors of {@code dimensions} each, summed
     * in double precision in token order.
     *
     * @param token the vector of the {@code i}-th token, {@code i} in {@code 0 .. count - 1}
     */
    public static float[] mean(IntFunction<float[]> token, int count, int dimensions) {
        double[] sum = new double[dimensions];
        for (int i = 0; i < count; i++) {
            float[] vector = token.apply(i);
            for (int d = 0; d < dimensions; d++) {
                sum[d] += vector[d];
            }
        }
        float[] mean = new float[dimensions];
        for (int d = 0; d < dimensions; d++) {
            mean[d] = (float) (sum[d] / count);
        }
        return mean;
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
