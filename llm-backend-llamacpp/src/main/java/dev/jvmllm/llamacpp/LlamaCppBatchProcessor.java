package dev.jvmllm.llamacpp;

import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.BatchOutput;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.Logits;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.llamacpp.internal.LlamaLibrary;
import dev.jvmllm.llamacpp.internal.NativeLog;
import dev.jvmllm.spi.SequencePositions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * A llama.cpp context: the KV cache for {@link ProcessorOptions#maxSequences()} sequences and one
 * reusable native {@code llama_batch}.
 *
 * <p>How the options become llama.cpp's context parameters:
 * <ul>
 *   <li>{@code contextSize} 0 means the model's trained context, capped at
 *       {@value #DEFAULT_CONTEXT_CAP} tokens so that a model trained on 128k tokens does not
 *       reserve gigabytes of KV cache by default; ask for more explicitly.</li>
 *   <li>{@code n_ctx = contextSize * maxSequences}: every sequence can fill its whole context at
 *       the same time. On b4916 the KV cache is one unified cache; on the current llama.cpp each
 *       sequence has its own ({@code kv_unified = false}), so a token attends only over its own
 *       sequence's cells.</li>
 *   <li>{@code n_batch = min(maxBatchTokens, n_ctx)} (the most tokens one {@link #process} call
 *       takes; no valid batch is larger than all contexts together), and
 *       {@code n_ubatch = min(n_batch, }{@value #MAX_UBATCH}{@code )}, which bounds the compute
 *       buffer; llama.cpp splits larger batches itself.</li>
 *   <li>{@code n_seq_max = maxSequences} (at most {@value #MAX_SEQUENCES}),
 *       {@code n_threads_batch = n_threads = threads} (0: the model's
 *       {@link dev.jvmllm.api.ModelInfo#defaultThreads()} and, for a pass over one token,
 *       {@link dev.jvmllm.api.ModelInfo#defaultDecodeThreads()}).</li>
 * </ul>
 *
 * <p>Every batch is checked with {@link SequencePositions} before llama.cpp sees it. When b4916's
 * KV cache has enough free cells but no run of them long enough (sequences released in between
 * left holes), the processor defragments the cache and runs the batch again (the current
 * llama.cpp places a batch in any free cells). Logit rows are
 * views of llama.cpp's output buffer, read in place; a row used after the next {@link #process},
 * {@link #releaseSequence} or {@link #close} throws {@link IllegalStateException} instead of
 * reading memory llama.cpp may have reused. {@code close} may be called from another thread: it
 * waits for a forward pass in progress.
 */
@SuppressWarnings("restricted") // views of llama.cpp's logits memory
public final class LlamaCppBatchProcessor implements BatchProcessor {
    /** The largest default context per sequence when the options say 0. */
    public static final int DEFAULT_CONTEXT_CAP = 4096;
    /** The largest micro-batch llama.cpp computes at once. */
    public static final int MAX_UBATCH = 512;
    /** The most sequences one processor holds. */
    public static final int MAX_SEQUENCES = 256;
    /** ggml's {@code GGML_MAX_N_THREADS}. */
    public static final int MAX_THREADS = 512;

    private static final Logger log = LoggerFactory.getLogger(LlamaCppBatchProcessor.class);

    private final LlamaCppModel model;
    private final LlamaLibrary library;
    private final ProcessorOptions options;
    private final SequencePositions positions;
    /** Tokens the native batch holds: maxBatchTokens, or fewer when all contexts together are smaller. */
    private final int batchCapacity;
    private final int vocabularySize;
    private final long rowBytes;
    private final Arena arena;
    /**
     * Scope of the logit views handed out: closed first in {@link #close}, so that a view read on
     * another thread fails before llama.cpp frees the memory under it.
     */
    private final Arena views;
    private final MemorySegment context;
    /** The context's KV cache, as the library's memory functions take it. */
    private final MemorySegment memory;
    private final NativeBatch batch;
    /** Batch index of each logit row of the last pass. */
    private final int[] rowIndex;
    private final boolean[] touched;
    private final ReentrantLock lock = new ReentrantLock();
    /** Counts passes; views of an older pass are stale. Only changes under {@link #lock}. */
    private volatile long generation;
    private volatile boolean closed;

    LlamaCppBatchProcessor(LlamaCppModel model, LlamaLibrary library, MemorySegment nativeModel,
                           ProcessorOptions requested) {
        this.model = model;
        this.library = library;
        this.vocabularySize = model.vocabularySize();
        this.rowBytes = vocabularySize * JAVA_FLOAT.byteSize();
        int trained = model.info().trainedContextLength();
        int contextSize = requested.contextSize() > 0 ? requested.contextSize()
                : Math.min(trained > 0 ? trained : DEFAULT_CONTEXT_CAP, DEFAULT_CONTEXT_CAP);
        if (requested.maxSequences() > MAX_SEQUENCES) {
            throw new InvalidRequestException("maxSequences " + requested.maxSequences() + " is more than the "
                    + MAX_SEQUENCES + " one llama.cpp processor holds");
        }
        if (requested.effectiveThreads(model.info()) > MAX_THREADS) {
            throw new InvalidRequestException("threads " + requested.effectiveThreads(model.info()) + " is more than the "
                    + MAX_THREADS + " ggml supports");
        }
        long totalContext = (long) contextSize * requested.maxSequences();
        if (totalContext > Integer.MAX_VALUE / 2) {
            throw new InvalidRequestException("contextSize " + contextSize + " times maxSequences "
                    + requested.maxSequences() + " is too large for one llama.cpp context");
        }
        this.options = requested.withContextSize(contextSize);
        // llama.cpp caps n_batch at n_ctx; no batch that passes SequencePositions is larger anyway
        this.batchCapacity = (int) Math.min(options.maxBatchTokens(), totalContext);
        this.positions = new SequencePositions(vocabularySize, options);
        this.rowIndex = new int[batchCapacity];
        this.touched = new boolean[options.maxSequences()];

        // shared: close() may run on another thread than the one that created the processor
        this.arena = Arena.ofShared();
        this.views = Arena.ofShared();
        MemorySegment created = MemorySegment.NULL;
        try {
            MemorySegment params = library.contextParams(arena, new LlamaLibrary.ContextSettings((int) totalContext,
                    options.maxBatchTokens(), Math.min(options.maxBatchTokens(), MAX_UBATCH), options.maxSequences(),
                    options.effectiveThreads(model.info()), options.effectiveDecodeThreads(model.info())));
            NativeLog.clearFirstError();
            created = library.initFromModel(nativeModel, params);
            if (created.equals(MemorySegment.NULL)) {
                String reason = NativeLog.firstError();
                throw new LlmException("llama.cpp could not create a context of " + totalContext + " tokens for "
                        + model.info().name() + (reason == null ? "" : ": " + reason));
            }
            this.context = created;
            this.memory = library.memory(created);
            int nativeBatch = library.contextValue(created, "n_batch");
            if (nativeBatch < batchCapacity) {
                // larger batches would trip an assertion inside llama_decode and abort the JVM
                throw new LlmException("llama.cpp accepts batches of " + nativeBatch + " tokens, fewer than the "
                        + batchCapacity + " asked for");
            }
            this.batch = new NativeBatch(library, arena, batchCapacity);
        } catch (RuntimeException e) {
            if (!created.equals(MemorySegment.NULL)) {
                library.free(created);
            }
            views.close();
            arena.close();
            throw e;
        } finally {
            NativeLog.clearFirstError();
        }
        log.debug("context for {}: {} sequences x {} tokens, batch {}, {} threads", model.info().name(),
                options.maxSequences(), contextSize, options.maxBatchTokens(), options.effectiveThreads(model.info()));
    }

    @Override
    public Model model() {
        return model;
    }

    @Override
    public ProcessorOptions options() {
        return options;
    }

    /**
     * Runs one forward pass; see {@link BatchProcessor#process}.
     *
     * @throws LlmException if llama.cpp finds no room in the KV cache even after defragmenting it,
     *                      or fails; the sequences are then as they were before the call
     */
    @Override
    public BatchOutput process(BatchInput input) {
        Objects.requireNonNull(input, "input");
        lock.lock();
        try {
            checkOpen();
            positions.check(input);
            int size = input.size();
            if (size > batchCapacity) {
                // unreachable after check(): no valid batch exceeds all contexts together; kept as the last guard
                throw new InvalidRequestException("the batch has " + size + " tokens, more than the "
                        + batchCapacity + " all sequences' contexts hold");
            }
            generation++;
            int rows = 0;
            for (int i = 0; i < size; i++) {
                boolean logits = input.wantsLogits(i);
                batch.set(i, input.token(i), input.position(i), input.sequence(i), logits);
                if (logits) {
                    rowIndex[rows++] = i;
                }
            }
            MemorySegment nativeBatch = batch.ofSize(size);
            // quiet: a first attempt that fails for want of room is retried below, and is no error yet
            int result;
            NativeLog.quiet(true);
            try {
                result = library.decode(context, nativeBatch);
            } finally {
                NativeLog.quiet(false);
            }
            if (library.compactingMayHelp(result)) {
                // no run of free cells long enough: released sequences left holes; compact the cache, retry once
                rollBack(input);
                library.compact(context);
                result = library.decode(context, nativeBatch);
            }
            if (result != 0) {
                rollBack(input);
                throw new LlmException(library.isNoRoom(result)
                        ? "llama.cpp found no room in the KV cache for a batch of " + size + " tokens"
                        : "llama_decode failed with " + result);
            }
            positions.commit(input);
            return new Output(generation, rows);
        } finally {
            lock.unlock();
        }
    }

    /** Removes whatever a failed pass may have written to the KV cache of its sequences. */
    private void rollBack(BatchInput input) {
        for (int i = 0, size = input.size(); i < size; i++) {
            int sequence = input.sequence(i);
            if (!touched[sequence]) {
                touched[sequence] = true;
                library.seqRm(memory, sequence, positions.next(sequence), -1);
            }
        }
        java.util.Arrays.fill(touched, false);
    }

    @Override
    public int nextPosition(int sequence) {
        lock.lock();
        try {
            checkOpen();
            return positions.next(sequence);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void copySequence(int source, int target) {
        lock.lock();
        try {
            checkOpen();
            positions.copy(source, target); // validates both ids and the empty target before native code sees them
            // the logit rows stay valid: a copy touches the KV cache only (the current library runs it in the next decode)
            library.seqCp(memory, source, target);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void releaseSequence(int sequence) {
        lock.lock();
        try {
            checkOpen();
            positions.next(sequence); // validates the id before native code sees it
            generation++;
            library.seqRm(memory, sequence, -1, -1);
            positions.release(sequence);
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code seq_rm} from {@code length} on, where the cache still holds what the positions after
     * it attend to ({@link LlamaLibrary#canKeepPrefix}: a sliding-window cache of the current
     * library drops cells that fell out of the window).
     */
    @Override
    public boolean truncateSequence(int sequence, int length) {
        lock.lock();
        try {
            checkOpen();
            positions.checkTruncation(sequence, length); // validates before native code sees anything
            if (length == positions.next(sequence)) {
                return true;
            }
            if (!library.canKeepPrefix(memory, model.nativeModel(), sequence, length)
                    || !library.seqRm(memory, sequence, length, -1)) {
                return false;
            }
            generation++;
            positions.truncate(sequence, length);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** How many KV cache cells hold tokens, where the library can say (for tests and diagnostics). */
    public Optional<Integer> usedCells() {
        lock.lock();
        try {
            checkOpen();
            return library.usedCells(context);
        } finally {
            lock.unlock();
        }
    }

    /**
     * What llama.cpp made of the options: {@code n_ctx}, {@code n_batch}, {@code n_ubatch},
     * {@code n_seq_max}, {@code n_threads} or {@code n_threads_batch} (for tests and diagnostics).
     */
    public int nativeParameter(String name) {
        lock.lock();
        try {
            checkOpen();
            return library.contextValue(context, name);
        } finally {
            lock.unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the batch processor is closed");
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            generation++;
            views.close();
            batch.free();
            library.free(context);
            arena.close();
        } finally {
            lock.unlock();
            model.forget(this);
        }
    }

    private void checkCurrent(long viewGeneration) {
        if (viewGeneration != generation || closed) {
            throw new IllegalStateException(closed ? "the batch processor is closed"
                    : "logits are only valid until the next process, releaseSequence or close call");
        }
    }

    /** The rows of one pass. */
    private final class Output implements BatchOutput {
        private final long outputGeneration;
        private final int rows;

        Output(long outputGeneration, int rows) {
            this.outputGeneration = outputGeneration;
            this.rows = rows;
        }

        @Override
        public int rows() {
            return rows;
        }

        @Override
        public Logits row(int row) {
            Objects.checkIndex(row, rows);
            lock.lock();
            try {
                checkCurrent(outputGeneration);
                MemorySegment address = library.getLogitsIth(context, rowIndex[row]);
                if (address.equals(MemorySegment.NULL)) {
                    throw new LlmException("llama.cpp has no logits for batch index " + rowIndex[row]);
                }
                // scoped to the views arena: after close, reads fail instead of touching freed memory
                return new NativeLogits(outputGeneration, address.reinterpret(rowBytes, views, null));
            } finally {
                lock.unlock();
            }
        }
    }

    /** One row of llama.cpp's output buffer, read in place. */
    private final class NativeLogits implements Logits {
        private final long viewGeneration;
        private final MemorySegment row;

        NativeLogits(long viewGeneration, MemorySegment row) {
            this.viewGeneration = viewGeneration;
            this.row = row;
        }

        @Override
        public int size() {
            return vocabularySize;
        }

        @Override
        public float get(int token) {
            checkCurrent(viewGeneration);
            return row.getAtIndex(JAVA_FLOAT, Objects.checkIndex(token, vocabularySize));
        }

        @Override
        public void copyTo(float[] target) {
            checkCurrent(viewGeneration);
            if (target.length < vocabularySize) {
                throw new IllegalArgumentException("target holds " + target.length + " floats, the row has "
                        + vocabularySize);
            }
            MemorySegment.copy(row, JAVA_FLOAT, 0, target, 0, vocabularySize);
        }

        @Override
        public float max() {
            checkCurrent(viewGeneration);
            float max = row.getAtIndex(JAVA_FLOAT, 0);
            for (int i = 1, n = vocabularySize; i < n; i++) {
                max = Math.max(max, row.getAtIndex(JAVA_FLOAT, i));
            }
            return max;
        }

        @Override
        public double sumExp(float shift) {
            checkCurrent(viewGeneration);
            double sum = 0;
            for (int i = 0, n = vocabularySize; i < n; i++) {
                sum += Math.exp(row.getAtIndex(JAVA_FLOAT, i) - shift);
            }
            return sum;
        }

        @Override
        public int argmax() {
            checkCurrent(viewGeneration);
            MemorySegment scores = row;
            int best = 0;
            float bestScore = scores.getAtIndex(JAVA_FLOAT, 0);
            for (int i = 1, n = vocabularySize; i < n; i++) {
                float score = scores.getAtIndex(JAVA_FLOAT, i);
                if (score > bestScore) {
                    bestScore = score;
                    best = i;
                }
            }
            return best;
        }
    }
}
