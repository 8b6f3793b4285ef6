package dev.jvmllm.onnx.internal;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.function.IntUnaryOperator;

/**
 * The KV cache of one processor, kept in the layout the graph consumes so that the steady state
 * copies nothing on the Java side.
 *
 * <p><b>Batch rows.</b> The sequences of the last forward pass form the rows of a batch. For each
 * layer, their keys and values live in one tensor {@code [rows, kvHeads, slots, headDim]}. A row's
 * slots are KV places: a {@link #mask mask} says which hold real tokens; the others are padding,
 * left where shorter rows had nothing to add. Positions are passed separately, so holes are harmless.
 *
 * <p><b>Ping-pong.</b> Each of those tensors has two native buffers. The graph reads the past from
 * one and ONNX Runtime writes {@code present} (past plus the new tokens) straight into the other,
 * because its outputs are bound to memory we own. After the pass the roles swap: the present is
 * the next past, with no copy in Java. (The graph's own Concat of past and new is the copy that the
 * Optimum layout imposes.)
 *
 * <p><b>Rebuild.</b> When the next batch holds a different set of sequences, or holes make up more
 * than half of the slots, the rows are rebuilt once: each row's real slots are copied, compacted,
 * into the other buffer; rows that leave the batch are <em>parked</em>, compacted, in native
 * buffers of their own until they come back; released rows are dropped. This costs one copy of the
 * cache when the batch changes, instead of one per step.
 */
final class KvCache implements AutoCloseable {
    /** Holes are only worth a rebuild when there are at least this many. */
    private static final int MIN_HOLES_TO_COMPACT = 32;

    private final int tensors; // two per layer: keys, values
    private final int kvHeads;
    private final int headDim;
    private final int contextSize;
    private final NativeBuffer[][] buffers; // [side][tensor]
    private int current; // the side that holds the past

    private final int[] rowSequence; // sequence of each row; -1 for a released row
    private final int[] rowOf; // row of each sequence; -1 when not in the batch
    private int rows;
    private int slots;
    private byte[][] mask; // [row][slot]: 1 for a real token

    private final NativeBuffer[] parked; // per sequence: [tensor][kvHeads][length][headDim]
    private final boolean[] isParked;
    private long rebuilds;

    KvCache(int layers, int kvHeads, int headDim, int maxSequences, int contextSize) {
        this.tensors = layers * 2;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.contextSize = contextSize;
        this.buffers = new NativeBuffer[2][tensors];
        for (NativeBuffer[] side : buffers) {
            Arrays.setAll(side, i -> new NativeBuffer());
        }
        this.rowSequence = new int[maxSequences];
        this.rowOf = new int[maxSequences];
        Arrays.fill(rowOf, -1);
        this.mask = new byte[maxSequences][64];
        this.parked = new NativeBuffer[maxSequences];
        Arrays.setAll(parked, i -> new NativeBuffer());
        this.isParked = new boolean[maxSequences];
    }

    /**
     * Makes the batch rows exactly {@code sequences[0 .. count)} (in any order) before a pass that adds
     * up to {@code newTokens} tokens to each, rebuilding when the set changed or holes dominate.
     *
     * @param held how many tokens each sequence holds now
     */
    void prepare(int[] sequences, int count, int newTokens, IntUnaryOperator held) {
        int longest = 0;
        boolean sameRows = count == rows;
        for (int i = 0; i < count; i++) {
            longest = Math.max(longest, held.applyAsInt(sequences[i]));
            sameRows &= rowOf[sequences[i]] >= 0;
        }
        int holes = slots - longest;
        boolean compact = holes > 0 && (slots + newTokens > contextSize
                || (holes >= MIN_HOLES_TO_COMPACT && holes * 2 > slots));
        if (!sameRows || compact) {
            rebuild(sequences, count, longest, held);
        }
    }

    /** How many times the rows were rebuilt: a measure of the copying the cache did. */
    long rebuilds() {
        return rebuilds;
    }

    /** How many rows the batch has. */
    int rows() {
        return rows;
    }

    /** KV slots per row before the pass. */
    int slots() {
        return slots;
    }

    /** The row of a sequence in the prepared batch. */
    int rowOf(int sequence) {
        return rowOf[sequence];
    }

    /** Whether slot {@code slot} of {@code row} holds a real token. */
    boolean mask(int row, int slot) {
        return mask[row][slot] != 0;
    }

    /** The past of one tensor (layer * 2 + 0 for keys, + 1 for values): {@code [rows, kvHeads, slots, headDim]}. */
    FloatBuffer past(int tensor) {
        return buffers[current][tensor].floats((long) rows * kvHeads * slots * headDim);
    }

    /** Where ONNX Runtime writes the present of one tensor: {@code [rows, kvHeads, slots + newTokens, headDim]}. */
    FloatBuffer present(int tensor, int newTokens) {
        return buffers[1 - current][tensor].floats((long) rows * kvHeads * (slots + newTokens) * headDim);
    }

    /**
     * Accepts the pass: the presents become the past.
     *
     * @param realNewTokens per row, how many of the {@code newTokens} new slots hold real tokens
     *                      (they come first; the rest were padding)
     */
    void commit(int newTokens, int[] realNewTokens) {
        int total = slots + newTokens;
        for (int r = 0; r < rows; r++) {
            byte[] row = ensureMaskCapacity(r, total);
            Arrays.fill(row, slots, slots + realNewTokens[r], (byte) 1);
            Arrays.fill(row, slots + realNewTokens[r], total, (byte) 0);
        }
        slots = total;
        current = 1 - current;
    }

    /** Drops a sequence's cache; its row, if it has one, stays as a hole until the next rebuild. */
    void release(int sequence) {
        isParked[sequence] = false;
        parked[sequence].close(); // a finished request's cache should not outlive it
        int row = rowOf[sequence];
        if (row >= 0) {
            rowSequence[row] = -1;
            rowOf[sequence] = -1;
        }
    }

    /**
     * Gives the empty {@code target} a copy of the {@code length} tokens {@code source} holds,
     * parked, so that it joins the batch at the next rebuild like any parked sequence. The source
     * may be in the batch or parked.
     */
    void copy(int source, int target, int length) {
        if (length == 0) {
            return;
        }
        if (rowOf[source] >= 0) {
            copyRowToParking(rowOf[source], target, length);
        } else if (isParked[source]) {
            int floats = tensors * kvHeads * length * headDim;
            parked[target].floats(floats).put(0, parked[source].floats(floats), 0, floats);
        } else {
            throw new IllegalStateException("sequence " + source + " holds " + length + " tokens but has no cache");
        }
        isParked[target] = true;
    }

    /**
     * Keeps the first {@code length} of the {@code held} tokens of a sequence: in its batch row the
     * later real slots become holes; a parked sequence is packed anew for its shorter length.
     */
    void truncate(int sequence, int held, int length) {
        if (length == held) {
            return;
        }
        if (length == 0) {
            release(sequence);
            return;
        }
        int row = rowOf[sequence];
        if (row >= 0) {
            byte[] real = mask[row];
            int kept = 0;
            for (int s = 0; s < slots; s++) {
                if (real[s] != 0 && kept++ >= length) {
                    real[s] = 0;
                }
            }
        } else if (isParked[sequence]) {
            // [tensor][kvHeads][held][headDim] becomes [tensor][kvHeads][length][headDim]: every block moves towards the start
            FloatBuffer buffer = parked[sequence].floats((long) tensors * kvHeads * held * headDim);
            float[] run = new float[length * headDim];
            for (int block = 0; block < tensors * kvHeads; block++) {
                buffer.get(block * held * headDim, run);
                buffer.put(block * length * headDim, run);
            }
        } else {
            throw new IllegalStateException("sequence " + sequence + " holds " + held + " tokens but has no cache");
        }
    }

    /** Drops every sequence. */
    void releaseAll() {
        Arrays.fill(isParked, false);
        Arrays.fill(rowOf, -1);
        rows = 0;
        slots = 0;
    }

    @Override
    public void close() {
        releaseAll();
        for (NativeBuffer[] side : buffers) {
            for (NativeBuffer buffer : side) {
                buffer.close();
            }
        }
        for (NativeBuffer buffer : parked) {
            buffer.close();
        }
    }

    private void rebuild(int[] sequences, int count, int newSlots, IntUnaryOperator held) {
        rebuilds++;
        for (int r = 0; r < rows; r++) {
            int sequence = rowSequence[r];
            if (sequence >= 0 && !contains(sequences, count, sequence)) {
                park(r, sequence, held.applyAsInt(sequence));
            }
        }
        int target = 1 - current;
        int rowSize = kvHeads * newSlots * headDim;
        for (int t = 0; t < tensors; t++) {
            FloatBuffer to = buffers[target][t].floats((long) count * rowSize);
            FloatBuffer from = rows == 0 ? null : past(t);
            for (int i = 0; i < count; i++) {
                int sequence = sequences[i];
                int length = held.applyAsInt(sequence);
                if (rowOf[sequence] >= 0) {
                    copyRealSlots(from, rowOf[sequence], to, i * rowSize, newSlots);
                } else if (length > 0) {
                    if (!isParked[sequence]) {
                        throw new IllegalStateException("sequence " + sequence + " holds " + length
                                + " tokens but has no cache");
                    }
                    unpark(sequence, t, length, to, i * rowSize, newSlots);
                }
            }
        }
        byte[][] newMask = new byte[mask.length][];
        for (int i = 0; i < count; i++) {
            int sequence = sequences[i];
            byte[] row = new byte[Math.max(64, newSlots * 2)];
            Arrays.fill(row, 0, held.applyAsInt(sequence), (byte) 1);
            newMask[i] = row;
            isParked[sequence] = false;
        }
        for (int i = count; i < newMask.length; i++) {
            newMask[i] = new byte[64];
        }
        Arrays.fill(rowOf, -1);
        for (int i = 0; i < count; i++) {
            rowSequence[i] = sequences[i];
            rowOf[sequences[i]] = i;
        }
        mask = newMask;
        rows = count;
        slots = newSlots;
        current = target;
    }

    /**
     * Copies the real slots of {@code fromRow}, in order, into a {@code [kvHeads][toSlots][headDim]}
     * block that starts at float {@code toBase} of {@code to}.
     */
    private void copyRealSlots(FloatBuffer from, int fromRow, FloatBuffer to, int toBase, int toSlots) {
        byte[] real = mask[fromRow];
        for (int h = 0; h < kvHeads; h++) {
            int source = ((fromRow * kvHeads) + h) * slots * headDim; // in floats, like destination
            int destination = toBase + h * toSlots * headDim;
            for (int s = 0; s < slots; ) {
                if (real[s] == 0) {
                    s++;
                    continue;
                }
                int run = s;
                while (run < slots && real[run] != 0) {
                    run++;
                }
                // a run of consecutive real slots is one contiguous block
                int length = (run - s) * headDim;
                to.put(destination, from, source + s * headDim, length);
                destination += length;
                s = run;
            }
        }
    }

    /** Moves a row's real slots of every tensor into the sequence's parking buffer. */
    private void park(int row, int sequence, int length) {
        copyRowToParking(row, sequence, length);
        isParked[sequence] = true;
        rowOf[sequence] = -1;
        rowSequence[row] = -1;
    }

    private void copyRowToParking(int row, int sequence, int length) {
        int block = kvHeads * length * headDim;
        FloatBuffer to = parked[sequence].floats((long) tensors * block);
        for (int t = 0; t < tensors; t++) {
            copyRealSlots(past(t), row, to, t * block, length);
        }
    }

    /** Copies one tensor of a parked sequence into a batch row of {@code toSlots} slots. */
    private void unpark(int sequence, int tensor, int length, FloatBuffer to, int toBase, int toSlots) {
        int block = kvHeads * length * headDim;
        FloatBuffer from = parked[sequence].floats((long) tensors * block);
        for (int h = 0; h < kvHeads; h++) {
            to.put(toBase + h * toSlots * headDim, from, tensor * block + h * length * headDim, length * headDim);
        }
    }

    private byte[] ensureMaskCapacity(int row, int size) {
        if (mask[row].length < size) {
            mask[row] = Arrays.copyOf(mask[row], Math.max(size, mask[row].length * 2));
        }
        return mask[row];
    }

    private static boolean contains(int[] values, int count, int value) {
        for (int i = 0; i < count; i++) {
            if (values[i] == value) {
                return true;
            }
        }
        return false;
    }
}
