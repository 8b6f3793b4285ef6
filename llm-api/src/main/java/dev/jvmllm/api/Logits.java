package dev.jvmllm.api;

/**
 * One row of next-token scores over the vocabulary, possibly in native memory. Only valid until
 * the producing processor's next call.
 */
public interface Logits {

    /** The vocabulary size. */
    int size();

    /** The score of one token id. */
    float get(int token);

    /** Copies the whole row into {@code target}, which must hold at least {@link #size()} floats. */
    void copyTo(float[] target);

    /** The highest score. */
    default float max() {
        float max = get(0);
        for (int i = 1, n = size(); i < n; i++) {
            max = Math.max(max, get(i));
        }
        return max;
    }

    /** The sum of {@code exp(score - shift)} over the row: with {@code shift = max()}, softmax's normaliser. */
    default double sumExp(float shift) {
        double sum = 0;
        for (int i = 0, n = size(); i < n; i++) {
            sum += Math.exp(get(i) - shift);
        }
        return sum;
    }

    /**
     * The ids of the {@code count} highest scores, highest first, the lower id first among equals;
     * read in place with a heap of {@code count} entries.
     */
    default int[] top(int count) {
        return TopScores.of(this, count);
    }

    /** The id with the highest score (the lowest id among equals), read in place. */
    default int argmax() {
        int best = 0;
        float bestScore = get(0);
        for (int i = 1, n = size(); i < n; i++) {
            float score = get(i);
            if (score > bestScore) {
                bestScore = score;
                best = i;
            }
        }
        return best;
    }
}
