package dev.jvmllm.api;

import java.util.Arrays;

/**
 * The tokens of one forward pass: for each, the sequence it belongs to, its position in that
 * sequence, and whether its logits are wanted. A reusable buffer: fill it with {@link #add},
 * pass it to {@link BatchProcessor#process}, {@link #clear()} it and fill it again, so that a
 * generation loop allocates nothing per step.
 */
public final class BatchInput {
    private int[] tokens;
    private int[] positions;
    private int[] sequences;
    private boolean[] wantLogits;
    private int size;
    private int logitRows;

    /** A buffer for {@code initialCapacity} tokens; it grows when more are added. */
    public BatchInput(int initialCapacity) {
        int capacity = Math.max(1, initialCapacity);
        tokens = new int[capacity];
        positions = new int[capacity];
        sequences = new int[capacity];
        wantLogits = new boolean[capacity];
    }

    /** Appends one token; returns this buffer. */
    public BatchInput add(int sequence, int position, int token, boolean logits) {
        if (size == tokens.length) {
            grow();
        }
        tokens[size] = token;
        positions[size] = position;
        sequences[size] = sequence;
        wantLogits[size] = logits;
        size++;
        if (logits) {
            logitRows++;
        }
        return this;
    }

    /** Appends a run of tokens of one sequence at consecutive positions; only the last may want logits. */
    public BatchInput addAll(int sequence, int firstPosition, int[] tokens, int from, int to, boolean logitsForLast) {
        for (int i = from; i < to; i++) {
            add(sequence, firstPosition + (i - from), tokens[i], logitsForLast && i == to - 1);
        }
        return this;
    }

    /** Empties the buffer, keeping its capacity. */
    public void clear() {
        size = 0;
        logitRows = 0;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** How many tokens want logits: the number of rows the output will have. */
    public int logitRows() {
        return logitRows;
    }

    public int token(int index) {
        return tokens[checkIndex(index)];
    }

    public int position(int index) {
        return positions[checkIndex(index)];
    }

    public int sequence(int index) {
        return sequences[checkIndex(index)];
    }

    public boolean wantsLogits(int index) {
        return wantLogits[checkIndex(index)];
    }

    private int checkIndex(int index) {
        return java.util.Objects.checkIndex(index, size);
    }

    private void grow() {
        int capacity = tokens.length * 2;
        tokens = Arrays.copyOf(tokens, capacity);
        positions = Arrays.copyOf(positions, capacity);
        sequences = Arrays.copyOf(sequences, capacity);
        wantLogits = Arrays.copyOf(wantLogits, capacity);
    }
}
