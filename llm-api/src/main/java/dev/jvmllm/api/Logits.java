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
