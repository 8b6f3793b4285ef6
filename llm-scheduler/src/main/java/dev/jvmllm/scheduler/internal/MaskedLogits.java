package dev.jvmllm.scheduler.internal;

import dev.jvmllm.api.Logits;

import java.util.BitSet;

/** A logit row in which every token outside a set scores negative infinity: a sampler can only draw from the set. */
final class MaskedLogits implements Logits {
    private final Logits row;
    private final BitSet allowed;

    MaskedLogits(Logits row, BitSet allowed) {
        this.row = row;
        this.allowed = allowed;
    }

    @Override
    public int size() {
        return row.size();
    }

    @Override
    public float get(int token) {
        return allowed.get(token) ? row.get(token) : Float.NEGATIVE_INFINITY;
    }

    @Override
    public void copyTo(float[] target) {
        row.copyTo(target);
        for (int token = allowed.nextClearBit(0), n = row.size(); token < n; token = allowed.nextClearBit(token + 1)) {
            target[token] = Float.NEGATIVE_INFINITY;
        }
    }

    @Override
    public int argmax() {
        int best = allowed.nextSetBit(0);
        float bestScore = row.get(best);
        for (int token = allowed.nextSetBit(best + 1); token >= 0; token = allowed.nextSetBit(token + 1)) {
            float score = row.get(token);
            if (score > bestScore) {
                bestScore = score;
                best = token;
            }
        }
        return best;
    }
}
