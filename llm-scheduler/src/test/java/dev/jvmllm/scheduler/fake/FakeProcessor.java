package dev.jvmllm.scheduler.fake;

import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.BatchOutput;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Logits;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.spi.SequencePositions;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A processor whose logits put all weight on the {@link Script}'s next token. It checks batches
 * as a real backend must ({@link SequencePositions}), and records its calls and releases; a
 * {@link Hook} runs before each call to block or fail it.
 */
public final class FakeProcessor implements BatchProcessor {

    /** Runs before call number {@code call} (1 for the first) is processed. */
    @FunctionalInterface
    public interface Hook {
        void beforeProcess(int call);
    }

    /** One forward pass: the sequence id of each of its tokens, in batch order. */
    public record Call(int number, int[] sequences) {
        /** How many tokens of that sequence the call had. */
        public int tokensOf(int sequence) {
            int count = 0;
            for (int s : sequences) {
                if (s == sequence) {
                    count++;
                }
            }
            return count;
        }

        public int size() {
            return sequences.length;
        }
    }

    /** A {@link #copySequence copy}, and how many calls had started when it was made. */
    public record Copy(int afterCall, int source, int target) {
    }

    /** A released sequence, and how many calls had started when it was released. */
    public record Release(int afterCall, int sequence) {
    }

    /** A {@link #truncateSequence truncation} that was made. */
    public record Truncation(int sequence, int from, int to) {
    }

    private final FakeModel model;
    private final ProcessorOptions options;
    private final SequencePositions positions;
    private final int[][] histories;
    private final float[][] rows;
    private final int[] hot;
    private final AtomicInteger calls = new AtomicInteger();
    private final List<Call> callLog = Collections.synchronizedList(new ArrayList<>());
    private final List<Release> releases = Collections.synchronizedList(new ArrayList<>());
    private final List<Copy> copies = Collections.synchronizedList(new ArrayList<>());
    private final List<Truncation> truncations = Collections.synchronizedList(new ArrayList<>());
    /** Like a sliding-window cache that dropped its old cells: no sequence can be cut short. */
    private volatile boolean refusesTruncation;
    private volatile Hook hook = call -> { };
    private volatile boolean closed;
    private int rowCount;

    FakeProcessor(FakeModel model, ProcessorOptions options) {
        this.model = model;
        this.options = options;
        this.positions = new SequencePositions(FakeModel.VOCABULARY, options);
        this.histories = new int[options.maxSequences()][options.contextSize()];
        this.rows = new float[options.maxBatchTokens()][];
        this.hot = new int[options.maxBatchTokens()];
    }

    public void hook(Hook value) {
        hook = value;
    }

    /** Calls started so far, failed ones included. */
    public int calls() {
        return calls.get();
    }

    public List<Call> callLog() {
        synchronized (callLog) {
            return List.copyOf(callLog);
        }
    }

    public List<Release> releases() {
        synchronized (releases) {
            return List.copyOf(releases);
        }
    }

    public List<Truncation> truncations() {
        synchronized (truncations) {
            return List.copyOf(truncations);
        }
    }

    /** From now on {@link #truncateSequence} refuses every cut, as a sliding-window cache may. */
    public void refuseTruncation() {
        refusesTruncation = true;
    }

    public List<Copy> copies() {
        synchronized (copies) {
            return List.copyOf(copies);
        }
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public Model model() {
        return model;
    }

    @Override
    public ProcessorOptions options() {
        return options;
    }

    @Override
    public BatchOutput process(BatchInput input) {
        if (closed) {
            throw new IllegalStateException("the processor is closed");
        }
        int number = calls.incrementAndGet();
        hook.beforeProcess(number);
        positions.check(input);
        int[] sequences = new int[input.size()];
        rowCount = 0;
        for (int i = 0; i < input.size(); i++) {
            int sequence = input.sequence(i);
            sequences[i] = sequence;
            histories[sequence][input.position(i)] = input.token(i);
            if (input.wantsLogits(i)) {
                predict(rowCount++, model.script().next(histories[sequence], input.position(i) + 1));
            }
        }
        positions.commit(input);
        callLog.add(new Call(number, sequences));
        int count = rowCount;
        return new BatchOutput() {
            @Override
            public int rows() {
                return count;
            }

            @Override
            public Logits row(int row) {
                return new ArrayLogits(rows[java.util.Objects.checkIndex(row, count)]);
            }
        };
    }

    private void predict(int row, int token) {
        if (rows[row] == null) {
            rows[row] = new float[FakeModel.VOCABULARY];
        }
        rows[row][hot[row]] = 0;
        rows[row][token] = 1;
        hot[row] = token;
    }

    @Override
    public int nextPosition(int sequence) {
        return positions.next(sequence);
    }

    @Override
    public void copySequence(int source, int target) {
        positions.copy(source, target);
        System.arraycopy(histories[source], 0, histories[target], 0, positions.next(source));
        copies.add(new Copy(calls.get(), source, target));
    }

    @Override
    public boolean truncateSequence(int sequence, int length) {
        positions.checkTruncation(sequence, length);
        int held = positions.next(sequence);
        if (length == held) {
            return true;
        }
        if (refusesTruncation) {
            return false;
        }
        positions.truncate(sequence, length);
        truncations.add(new Truncation(sequence, held, length));
        return true;
    }

    @Override
    public void releaseSequence(int sequence) {
        positions.release(sequence);
        releases.add(new Release(calls.get(), sequence));
    }

    @Override
    public void close() {
        closed = true;
    }
}
