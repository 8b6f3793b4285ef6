package dev.jvmllm.onnx.internal;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.BatchOutput;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.Logits;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.spi.SequencePositions;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;

/**
 * Runs batches of many sequences through the decoder graph, one ONNX Runtime call per
 * {@link #process}. Each sequence is a row of the batch; rows with fewer new tokens than the
 * longest are padded (mask 0, position 0), and {@code attention_mask} covers the past slots
 * ({@link KvCache}) followed by the new ones. Inputs, the KV cache and the logits live in native
 * buffers bound to the session's inputs and outputs, reused from step to step.
 *
 * <p>Padding has a price: a pass costs rows × the longest row's new tokens, so a long prompt in
 * the same pass as single decode tokens makes every row that long. Schedulers that feed prompts
 * in chunks keep that bounded.
 */
final class OnnxBatchProcessor implements BatchProcessor {
    private final OnnxModel model;
    private final OrtSession session;
    private final DecoderSignature signature;
    private final ProcessorOptions options;
    private final OrtEnvironment environment;
    private final SequencePositions positions;
    private final KvCache cache;
    private final IntUnaryOperator held;
    private final int vocabulary;

    private final NativeBuffer inputIds = new NativeBuffer();
    private final NativeBuffer positionIds = new NativeBuffer();
    private final NativeBuffer attentionMask = new NativeBuffer();
    private final NativeBuffer logits = new NativeBuffer();
    private final OnnxTensor useCacheBranch;

    // per-step scratch, sized once: the rows of the batch and where each input token goes
    private final int[] sequences;
    private final int[] newTokens; // per entry of sequences
    private final int[] entryOf; // per sequence id: its entry in sequences, -1 when not in this batch
    private final int[] filled; // per row: real new tokens placed
    private int[] column = new int[64]; // per input token
    private final Output output = new Output();
    private final Map<String, OnnxTensor> inputs = new HashMap<>();
    private final Map<String, OnnxTensor> outputs = new HashMap<>();
    private final List<OnnxTensor> created = new ArrayList<>();
    private boolean closed;

    OnnxBatchProcessor(OnnxModel model, OrtSession session, DecoderSignature signature, ProcessorOptions options) {
        this.model = model;
        this.session = session;
        this.signature = signature;
        this.options = options;
        this.environment = OrtEnvironment.getEnvironment();
        this.positions = new SequencePositions(signature.vocabularySize(), options);
        this.cache = new KvCache(signature.layers(), signature.kvHeads(), signature.headDim(), options.maxSequences(),
                options.contextSize());
        this.vocabulary = signature.vocabularySize();
        this.held = positions::next;
        this.sequences = new int[options.maxSequences()];
        this.newTokens = new int[options.maxSequences()];
        this.entryOf = new int[options.maxSequences()];
        Arrays.fill(entryOf, -1);
        this.filled = new int[options.maxSequences()];
        try {
            this.useCacheBranch = signature.useCacheBranch() == null
                    ? null : OnnxTensor.createTensor(environment, new boolean[] {true});
        } catch (OrtException e) {
            throw new LlmException("cannot create the use_cache_branch input: " + e.getMessage(), e);
        }
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
    public BatchOutput process(BatchInput batch) {
        checkOpen();
        positions.check(batch);
        int rowCount = groupBySequence(batch);
        int width = 0;
        for (int i = 0; i < rowCount; i++) {
            width = Math.max(width, newTokens[i]);
        }
        // the graph computes logits for every padded place, wanted or not
        if ((long) rowCount * width * vocabulary > Integer.MAX_VALUE - 8) {
            throw new InvalidRequestException("this batch pads to " + rowCount + " sequences of " + width
                    + " tokens, whose logits would not fit one buffer; feed long prompts in smaller chunks");
        }
        cache.prepare(sequences, rowCount, width, held);
        placeTokens(batch, width);
        run(width);
        positions.commit(batch);
        cache.commit(width, filled);
        output.reset(batch, width);
        return output;
    }

    @Override
    public int nextPosition(int sequence) {
        checkOpen();
        return positions.next(sequence);
    }

    @Override
    public void copySequence(int source, int target) {
        checkOpen();
        positions.copy(source, target);
        cache.copy(source, target, positions.next(target));
    }

    /** Always possible: the cache keeps every token of a sequence. */
    @Override
    public boolean truncateSequence(int sequence, int length) {
        checkOpen();
        positions.checkTruncation(sequence, length);
        cache.truncate(sequence, positions.next(sequence), length);
        positions.truncate(sequence, length);
        return true;
    }

    @Override
    public void releaseSequence(int sequence) {
        checkOpen();
        positions.release(sequence);
        cache.release(sequence);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cache.close();
        for (NativeBuffer buffer : List.of(inputIds, positionIds, attentionMask, logits)) {
            buffer.close();
        }
        if (useCacheBranch != null) {
            useCacheBranch.close();
        }
    }

    /** Lists the batch's sequences in order of first appearance, counting each one's new tokens. */
    private int groupBySequence(BatchInput batch) {
        int count = 0;
        for (int i = 0, n = batch.size(); i < n; i++) {
            int sequence = batch.sequence(i);
            int entry = entryOf[sequence];
            if (entry < 0) {
                entry = count++;
                entryOf[sequence] = entry;
                sequences[entry] = sequence;
                newTokens[entry] = 0;
            }
            newTokens[entry]++;
        }
        for (int i = 0; i < count; i++) {
            entryOf[sequences[i]] = -1; // ready for the next batch
        }
        return count;
    }

    /**
     * Fills {@code input_ids}, {@code position_ids} and {@code attention_mask} in row order, and
     * records the column of each input token and the real new tokens of each row.
     */
    private void placeTokens(BatchInput batch, int width) {
        int rows = cache.rows();
        int past = cache.slots();
        int total = past + width;
        LongBuffer ids = inputIds.longs((long) rows * width);
        LongBuffer pos = positionIds.longs((long) rows * width);
        LongBuffer mask = attentionMask.longs((long) rows * total);
        for (int i = 0, n = rows * width; i < n; i++) {
            ids.put(i, 0);
            pos.put(i, 0);
        }
        Arrays.fill(filled, 0);
        if (column.length < batch.size()) {
            column = new int[Math.max(batch.size(), column.length * 2)];
        }
        for (int i = 0, n = batch.size(); i < n; i++) {
            int row = cache.rowOf(batch.sequence(i));
            int c = filled[row]++;
            column[i] = row * width + c;
            ids.put(row * width + c, batch.token(i));
            pos.put(row * width + c, batch.position(i));
        }
        for (int r = 0; r < rows; r++) {
            int base = r * total;
            for (int s = 0; s < past; s++) {
                mask.put(base + s, cache.mask(r, s) ? 1 : 0);
            }
            for (int c = 0; c < width; c++) {
                mask.put(base + past + c, c < filled[r] ? 1 : 0);
            }
        }
    }

    private void run(int width) {
        int rows = cache.rows();
        long past = cache.slots();
        long total = past + width;
        long[] kvShapePast = {rows, signature.kvHeads(), past, signature.headDim()};
        long[] kvShapePresent = {rows, signature.kvHeads(), total, signature.headDim()};
        long[] tokenShape = {rows, width};
        inputs.clear();
        outputs.clear();
        try {
            inputs.put(signature.inputIds(), track(OnnxTensor.createTensor(environment,
                    inputIds.longs((long) rows * width), tokenShape)));
            inputs.put(signature.attentionMask(), track(OnnxTensor.createTensor(environment,
                    attentionMask.longs(rows * total), new long[] {rows, total})));
            if (signature.positionIds() != null) {
                inputs.put(signature.positionIds(), track(OnnxTensor.createTensor(environment,
                        positionIds.longs((long) rows * width), tokenShape)));
            }
            if (useCacheBranch != null) {
                inputs.put(signature.useCacheBranch(), useCacheBranch);
            }
            for (int layer = 0; layer < signature.layers(); layer++) {
                for (int kind = 0; kind < 2; kind++) {
                    int tensor = layer * 2 + kind;
                    inputs.put((kind == 0 ? signature.pastKeys() : signature.pastValues()).get(layer),
                            track(OnnxTensor.createTensor(environment, cache.past(tensor), kvShapePast)));
                    outputs.put((kind == 0 ? signature.presentKeys() : signature.presentValues()).get(layer),
                            track(OnnxTensor.createTensor(environment, cache.present(tensor, width),
                                    kvShapePresent)));
                }
            }
            outputs.put(signature.logits(), track(OnnxTensor.createTensor(environment,
                    logits.floats((long) rows * width * vocabulary), new long[] {rows, width, vocabulary})));
            // the outputs are already in our buffers: the result only holds wrappers of them
            session.run(inputs, outputs).close();
        } catch (OrtException e) {
            throw new LlmException("the ONNX Runtime forward pass failed: " + e.getMessage(), e);
        } finally {
            created.forEach(OnnxTensor::close); // wrappers only: the memory stays ours
            created.clear();
        }
    }

    /** Remembers a tensor wrapper to close after the pass. */
    private OnnxTensor track(OnnxTensor tensor) {
        created.add(tensor);
        return tensor;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the processor is closed");
        }
    }

    /** The logit rows of the last pass, as views of the logits buffer; reused from step to step. */
    private final class Output implements BatchOutput {
        private RowLogits[] rows = new RowLogits[0];
        private int count;

        void reset(BatchInput batch, int width) {
            FloatBuffer all = logits.floats((long) cache.rows() * width * vocabulary);
            count = 0;
            if (rows.length < batch.logitRows()) {
                int old = rows.length;
                rows = Arrays.copyOf(rows, batch.logitRows());
                for (int i = old; i < rows.length; i++) {
                    rows[i] = new RowLogits(vocabulary);
                }
            }
            for (int i = 0, n = batch.size(); i < n; i++) {
                if (batch.wantsLogits(i)) {
                    rows[count++].point(all, column[i] * vocabulary);
                }
            }
        }

        @Override
        public int rows() {
            return count;
        }

        @Override
        public Logits row(int row) {
            return rows[java.util.Objects.checkIndex(row, count)];
        }
    }
}
