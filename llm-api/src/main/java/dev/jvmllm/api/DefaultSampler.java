package dev.jvmllm.api;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The library's {@link Sampler}. The order of the steps is llama.cpp's default chain:
 * penalties, then top-k, top-p and min-p over the temperature-scaled distribution, then a draw.
 * Scratch arrays are allocated on first use and reused for every later token.
 */
final class DefaultSampler implements Sampler {
    private final SamplingParams params;
    private final int vocabularySize;
    private final SplittableRandom random;
    private float[] scores;
    private long[] order;
    private double[] probabilities;
    private int[] counts;
    private int[] seen;
    private int seenCount;

    DefaultSampler(SamplingParams params, int vocabularySize) {
        this.params = params;
        this.vocabularySize = vocabularySize;
        this.random = params.seed().isPresent() ? new SplittableRandom(params.seed().getAsLong()) : new SplittableRandom();
    }

    @Override
    public int sample(Logits logits) {
        if (logits.size() != vocabularySize) {
            throw new IllegalArgumentException("logits have " + logits.size() + " entries, the vocabulary " + vocabularySize);
        }
        if (params.isGreedy() && !params.hasPenalties()) {
            return logits.argmax();
        }
        if (scores == null) {
            scores = new float[vocabularySize];
        }
        logits.copyTo(scores);
        applyPenalties();
        if (params.isGreedy()) {
            return argmax(scores);
        }
        return draw();
    }

    @Override
    public void accept(int token) {
        if (!params.hasPenalties() || token < 0 || token >= vocabularySize) {
            return;
        }
        if (counts == null) {
            counts = new int[vocabularySize];
            seen = new int[16];
        }
        if (counts[token]++ == 0) {
            if (seenCount == seen.length) {
                seen = Arrays.copyOf(seen, seenCount * 2);
            }
            seen[seenCount++] = token;
        }
    }

    private void applyPenalties() {
        for (int i = 0; i < seenCount; i++) {
            int token = seen[i];
            float score = scores[token];
            if (params.repetitionPenalty() != 1) {
                score = score > 0 ? (float) (score / params.repetitionPenalty()) : (float) (score * params.repetitionPenalty());
            }
            score -= (float) (params.presencePenalty() + params.frequencyPenalty() * counts[token]);
            scores[token] = score;
        }
    }

    private int draw() {
        double temperature = params.temperature();
        float max = scores[argmax(scores)];
        // min-p keeps tokens with p >= minP * pMax, i.e. logit/T >= max/T + ln(minP)
        double floor = params.minP() > 0 ? max / temperature + Math.log(params.minP()) : Double.NEGATIVE_INFINITY;
        if (order == null) {
            order = new long[vocabularySize];
            probabilities = new double[vocabularySize];
        }
        int n = 0;
        for (int token = 0; token < vocabularySize; token++) {
            if (scores[token] / temperature >= floor) {
                order[n++] = sortKey(scores[token], token);
            }
        }
        boolean truncate = (params.topK() > 0 && params.topK() < n) || params.topP() < 1;
        if (truncate) {
            Arrays.sort(order, 0, n); // ascending keys = descending scores
            if (params.topK() > 0) {
                n = Math.min(n, params.topK());
            }
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double p = Math.exp((scores[tokenOf(order[i])] - max) / temperature);
            probabilities[i] = p;
            sum += p;
        }
        if (params.topP() < 1) {
            double kept = 0;
            int cut = n;
            for (int i = 0; i < n; i++) {
                kept += probabilities[i];
                if (kept >= params.topP() * sum) {
                    cut = i + 1;
                    break;
                }
            }
            n = cut;
            sum = kept;
        }
        double target = random.nextDouble() * sum;
        for (int i = 0; i < n; i++) {
            target -= probabilities[i];
            if (target < 0) {
                return tokenOf(order[i]);
            }
        }
        return tokenOf(order[n - 1]);
    }

    /** Packs a score and a token so that ascending order is descending score, then ascending id. */
    private static long sortKey(float score, int token) {
        int bits = Float.floatToIntBits(score);
        int ascending = bits < 0 ? ~bits : bits | Integer.MIN_VALUE; // unsigned-ascending with the score
        long descending = ~ascending & 0xFFFF_FFFFL;
        return ((descending << 32) | token) ^ Long.MIN_VALUE; // signed order of the result = unsigned order of the key
    }

    private static int tokenOf(long key) {
        return (int) key;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
