package dev.jvmllm.api;

/** Logits held in a heap array, for tests. */
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
