package dev.jvmllm.onnx.internal;

import dev.jvmllm.api.Logits;

import java.nio.FloatBuffer;

/** One row of the logits output, read in place from the native buffer ONNX Runtime wrote. */
final class RowLogits implements Logits {
    private final int size;
    private FloatBuffer buffer;
    private int offset;

    RowLogits(int size) {
        this.size = size;
    }

    /** Points this view at the row starting at {@code offset}. */
    void point(FloatBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public float get(int token) {
        return buffer.get(offset + java.util.Objects.checkIndex(token, size));
    }

    @Override
    public void copyTo(float[] target) {
        buffer.get(offset, target, 0, size);
    }

    @Override
    public int argmax() {
        int best = 0;
        float bestScore = buffer.get(offset);
        for (int i = 1; i < size; i++) {
            float score = buffer.get(offset + i);
            if (score > bestScore) {
                bestScore = score;
                best = i;
            }
        }
        return best;
    }
}
