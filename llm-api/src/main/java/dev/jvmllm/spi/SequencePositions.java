package dev.jvmllm.spi;

import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.ProcessorOptions;

import java.util.Arrays;

/**
 * The bookkeeping every {@link dev.jvmllm.api.BatchProcessor} needs before it hands a batch to
 * native code: where each sequence stands, and whether a batch fits. {@link #check} rejects a bad
 * batch without changing anything; {@link #commit} records a batch after the forward pass succeeded.
 */
public final class SequencePositions {
    private final int vocabularySize;
    private final ProcessorOptions options;
    private final int[] next;
    private final int[] pending;

    /** @param options with {@link ProcessorOptions#contextSize()} already resolved (not 0) */
    public SequencePositions(int vocabularySize, ProcessorOptions options) {
        if (options.contextSize() < 1) {
            throw new IllegalArgumentException("contextSize must be resolved before use");
        }
        this.vocabularySize = vocabularySize;
        this.options = options;
        this.next = new int[options.maxSequences()];
        this.pending = new int[options.maxSequences()];
    }

    /**
     * Checks every token of the batch: its id, its sequence, and that its position continues its
     * sequence exactly and stays inside the context.
     *
     * @throws InvalidRequestException naming the first offending token
     */
    public void check(BatchInput batch) {
        int size = batch.size();
        if (size == 0) {
            throw new InvalidRequestException("the batch is empty");
        }
        if (size > options.maxBatchTokens()) {
            throw new InvalidRequestException("the batch has " + size + " tokens, more than the processor's maxBatchTokens "
                    + options.maxBatchTokens());
        }
        System.arraycopy(next, 0, pending, 0, next.length);
        for (int i = 0; i < size; i++) {
            int token = batch.token(i);
            int sequence = batch.sequence(i);
            int position = batch.position(i);
            if (token < 0 || token >= vocabularySize) {
                throw new InvalidRequestException("token id " + token + " at batch index " + i
                        + " is outside the vocabulary (0.." + (vocabularySize - 1) + ")");
            }
            if (sequence < 0 || sequence >= pending.length) {
                throw new InvalidRequestException("sequence id " + sequence + " at batch index " + i
                        + " is outside 0.." + (pending.length - 1));
            }
            if (position >= options.contextSize()) {
                throw new InvalidRequestException("sequence " + sequence + " would exceed the context of "
                        + options.contextSize() + " tokens (position " + position + ")");
            }
            if (position != pending[sequence]) {
                throw new InvalidRequestException("token at batch index " + i + " has position " + position
                        + " but sequence " + sequence + " continues at position " + pending[sequence]);
            }
            pending[sequence]++;
        }
    }

    /** Records the batch that {@link #check} accepted and the backend ran. */
    public void commit(BatchInput batch) {
        for (int i = 0, size = batch.size(); i < size; i++) {
            next[batch.sequence(i)] = batch.position(i) + 1;
        }
    }

    /** How many tokens the sequence holds. */
    public int next(int sequence) {
        checkSequence(sequence);
        return next[sequence];
    }

    /**
     * Checks and records a {@link dev.jvmllm.api.BatchProcessor#copySequence copy}: the target
     * continues where the source stands. Called before the backend copies, which cannot fail.
     *
     * @throws InvalidRequestException for an id out of range, the same id twice, or a target that holds tokens
     */
    public void copy(int source, int target) {
        checkSequence(source);
        checkSequence(target);
        if (source == target) {
            throw new InvalidRequestException("sequence " + source + " cannot be copied onto itself");
        }
        if (next[target] != 0) {
            throw new InvalidRequestException("sequence " + target + " holds " + next[target]
                    + " tokens: a copy goes to an empty sequence, release it first");
        }
        next[target] = next[source];
    }

    /**
     * Checks a {@link dev.jvmllm.api.BatchProcessor#truncateSequence truncation} before the backend
     * makes it; {@link #truncate} records it once made.
     *
     * @throws InvalidRequestException for an id out of range or a length outside what the sequence holds
     */
    public void checkTruncation(int sequence, int length) {
        checkSequence(sequence);
        if (length < 0 || length > next[sequence]) {
            throw new InvalidRequestException("sequence " + sequence + " holds " + next[sequence]
                    + " tokens: it cannot be cut to " + length);
        }
    }

    /** Records a truncation that {@link #checkTruncation} allowed and the backend made. */
    public void truncate(int sequence, int length) {
        checkTruncation(sequence, length);
        next[sequence] = length;
    }

    /** Forgets the sequence. */
    public void release(int sequence) {
        checkSequence(sequence);
        next[sequence] = 0;
    }

    /** Forgets every sequence. */
    public void releaseAll() {
        Arrays.fill(next, 0);
    }

    private void checkSequence(int sequence) {
        if (sequence < 0 || sequence >= next.length) {
            throw new InvalidRequestException("sequence id " + sequence + " is outside 0.." + (next.length - 1));
        }
    }
}
