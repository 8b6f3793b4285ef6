package dev.jvmllm.api;

/**
 * Chooses the next token of one sequence from its logits, following {@link SamplingParams}.
 * Stateful (penalties count the tokens it accepted; the random generator advances): one
 * sampler per sequence, used by one thread.
 */
public interface Sampler {

    /** Chooses a token id from this row. Greedy sampling without penalties reads the row in place. */
    int sample(Logits logits);

    /** Records a token that became part of the sequence (for the penalties). */
    void accept(int token);

    /** The library's sampler: penalties, temperature, top-k, top-p, min-p, then a seeded draw. */
    static Sampler create(SamplingParams params, int vocabularySize) {
        return new DefaultSampler(params, vocabularySize);
    }
}
