package dev.jvmllm.scheduler.fake;

import dev.jvmllm.api.Logits;

/** Logits in a heap array. */
record ArrayLogits(float[] values) implements Logits {
    @Override
    public int size() {
        return values.length;
    }

    @Override
    public float get(int token) {
        return values[token];
    }

    @Override
    public void copyTo(float[] target) {
        System.arraycopy(values, 0, target, 0, values.length);
    }
}
