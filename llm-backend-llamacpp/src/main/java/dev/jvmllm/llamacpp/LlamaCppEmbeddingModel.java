package dev.jvmllm.llamacpp;

import dev.jvmllm.api.EmbeddingModel;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.ModelInfo;
import dev.jvmllm.api.ModelLoadException;
import dev.jvmllm.api.Pooling;
import dev.jvmllm.llamacpp.internal.LlamaLibrary;
import dev.jvmllm.llamacpp.internal.NativeLog;
import dev.jvmllm.spi.EmbeddingInputs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.locks.ReentrantLock;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * A GGUF model opened by {@link LlamaCppBackend#openEmbeddingModel}: a {@link LlamaCppModel} for
 * the weights and the tokenizer, and one llama.cpp context with {@code embeddings = true} that
 * computes the pooled vector of every sequence of a pass ({@code llama_get_embeddings_seq}).
 *
 * <p>The context:
 * <ul>
 *   <li>{@code n_seq_max} = {@link #maxBatchInputs()} = {@value #MAX_INPUTS}: every input of a
 *       pass is a sequence of its own, well below the 256 sequences ({@code LLAMA_MAX_SEQ}) of
 *       the current llama.cpp. b4916 predates that limit; what it asserts, a sequence id below
 *       the pass's token count, holds because every input has a token.</li>
 *   <li>{@code n_ctx = n_batch = n_ubatch} = {@value #PASS_TOKENS} tokens: a pass is one
 *       micro-batch, so that llama.cpp never splits a sequence across two (a non-causal encoder
 *       must see a whole input at once, and pooling is per micro-batch). One KV cache serves
 *       all sequences of a pass ({@code kv_unified = true} on the current llama.cpp; b4916 has
 *       only that kind), emptied before every pass; each token still attends only over its own
 *       sequence, with flash attention (how exactly an input in a pass with others matches it
 *       alone depends on the library's kernel: see {@link LlamaLibrary#embeddingContextParams}'s
 *       implementations).</li>
 *   <li>{@link #maxInputTokens()} is the model's trained context, at most {@value #PASS_TOKENS}:
 *       positions beyond the trained ones mean nothing to the model, and every input must fit
 *       one pass.</li>
 *   <li>{@code pooling_type}: the requested {@link Pooling}; {@link Pooling#MODEL_DEFAULT} is
 *       what the file declares ({@code <architecture>.pooling_type}, which is what llama.cpp
 *       reads for its {@code UNSPECIFIED}), and mean pooling, said in an INFO line, where it
 *       declares none (every generative model). It is resolved here rather than by llama.cpp
 *       because b4916 must never be asked for a mean-pooled context (see
 *       {@link LlamaLibrary#canMeanPool()}): there the mean of the token vectors of a context
 *       without pooling is taken here. The context is checked to pool as asked
 *       ({@code llama_pooling_type}).</li>
 *   <li>Threads: the model's {@link ModelInfo#defaultThreads()} and
 *       {@link ModelInfo#defaultDecodeThreads()}, as a processor with {@code threads = 0}.</li>
 * </ul>
 *
 * <p>{@link #embed} packs consecutive inputs into passes of at most {@value #MAX_INPUTS} inputs
 * and {@value #PASS_TOKENS} tokens, every token an output (llama.cpp pools over the outputs), and
 * runs each with {@code llama_decode}, or {@code llama_encode} for a model that is an encoder
 * only ({@code t5encoder}; BERT and its kin run through {@code llama_decode}). Calls are
 * serialised: one context computes one pass at a time. {@link #close()} waits for a call in
 * progress, then frees the context and the weights.
 */
@SuppressWarnings("restricted") // reads llama.cpp's embedding memory
final class LlamaCppEmbeddingModel implements EmbeddingModel {
    /** The most inputs one pass holds. */
    static final int MAX_INPUTS = 16;
    /**
     * The most tokens one pass holds, and the most one input may have. A multiple of
     * {@link #MAX_INPUTS}: the current llama.cpp rounds {@code n_ubatch} up to a multiple of
     * {@code n_seq_max} for the mean-pooling matrix of its worst-case graph, and aborts where that
     * no longer fits the token vectors.
     */
    static final int PASS_TOKENS = 2048;

    private static final Logger log = LoggerFactory.getLogger(LlamaCppEmbeddingModel.class);

    private final LlamaCppModel model;
    private final LlamaLibrary library;
    private final boolean normalize;
    private final int dimensions;
    private final int maxInputTokens;
    private final boolean encoderOnly;
    private final Pooling pooling;
    /** Whether the mean is taken here from a context without pooling, as on b4916. */
    private final boolean meanHere;
    private final Arena arena;
    private final MemorySegment context;
    /** The context's KV cache, as the library's memory functions take it. */
    private final MemorySegment memory;
    private final NativeBatch batch;
    private final ReentrantLock lock = new ReentrantLock();
    /** Only changes under {@link #lock}. */
    private boolean closed;

    /**
     * Creates the context on {@code model}, which it then owns: {@link #close()} closes it.
     *
     * @param pooling as {@link #resolve} resolved it
     * @throws ModelLoadException if llama.cpp cannot create the context or the model is an
     *                            encoder-decoder
     */
    LlamaCppEmbeddingModel(LlamaCppModel model, Pooling pooling, boolean normalize) {
        this.model = model;
        this.library = model.library();
        this.pooling = pooling;
        this.normalize = normalize;
        MemorySegment nativeModel = model.nativeModel();
        ModelInfo info = model.info();
        boolean hasEncoder = library.modelHasEncoder(nativeModel);
        if (hasEncoder && library.modelHasDecoder(nativeModel)) {
            throw new ModelLoadException(info.name() + " (" + info.architecture() + ") is an encoder-decoder model;"
                    + " embeddings come from an encoder-only or a decoder-only model");
        }
        this.encoderOnly = hasEncoder;
        this.dimensions = library.embeddingLength(nativeModel);
        int trained = info.trainedContextLength();
        this.maxInputTokens = trained > 0 ? Math.min(trained, PASS_TOKENS) : PASS_TOKENS;
        this.meanHere = pooling == Pooling.MEAN && !library.canMeanPool();
        int nativePooling = meanHere ? LlamaLibrary.POOLING_NONE : nativePooling(pooling);

        this.arena = Arena.ofShared(); // close() may run on another thread than the one that opened the model
        MemorySegment created = MemorySegment.NULL;
        try {
            created = createContext(nativePooling);
            if (library.poolingType(created) != nativePooling) {
                throw new ModelLoadException("llama.cpp made an embeddings context with pooling type "
                        + library.poolingType(created) + " for " + info.name() + ", not the " + nativePooling + " asked for");
            }
            this.context = created;
            this.memory = library.memory(created);
            this.batch = new NativeBatch(library, arena, PASS_TOKENS);
        } catch (RuntimeException e) {
            if (!created.equals(MemorySegment.NULL)) {
                library.free(created);
            }
            arena.close();
            throw e;
        }
        log.debug("embeddings context for {}: {} pooling, {} dimensions, {} inputs x {} tokens a pass, {} threads",
                info.name(), pooling, dimensions, MAX_INPUTS, PASS_TOKENS, info.defaultThreads());
    }

    /**
     * The pooling to open a model with: {@code requested}, or for {@link Pooling#MODEL_DEFAULT}
     * what the file declares, else the mean (said in an INFO line).
     *
     * @param declared the file's {@code <architecture>.pooling_type}, where it has one
     * @throws ModelLoadException if the file declares a pooling that yields no embedding
     */
    static Pooling resolve(Pooling requested, OptionalInt declared, Path file) {
        if (requested != Pooling.MODEL_DEFAULT) {
            return requested;
        }
        int value = declared.orElse(LlamaLibrary.POOLING_NONE);
        return switch (value) {
            case LlamaLibrary.POOLING_NONE -> {
                log.info("{} declares no pooling: its embeddings are the mean of its token vectors", file);
                yield Pooling.MEAN;
            }
            case LlamaLibrary.POOLING_MEAN -> Pooling.MEAN;
            case LlamaLibrary.POOLING_CLS -> Pooling.CLS;
            case LlamaLibrary.POOLING_LAST -> Pooling.LAST;
            case LlamaLibrary.POOLING_RANK -> throw new ModelLoadException(file + " declares rank pooling: it is a"
                    + " reranker, whose output is a score, not an embedding");
            default -> throw new ModelLoadException(file + " declares pooling type " + value + ", which llama.cpp"
                    + " does not have");
        };
    }

    private static int nativePooling(Pooling pooling) {
        return switch (pooling) {
            case MEAN -> LlamaLibrary.POOLING_MEAN;
            case CLS -> LlamaLibrary.POOLING_CLS;
            case LAST -> LlamaLibrary.POOLING_LAST;
            case MODEL_DEFAULT -> throw new IllegalArgumentException("unresolved pooling");
        };
    }

    /** A context with that pooling, checked to take a whole pass at once. */
    private MemorySegment createContext(int nativePooling) {
        ModelInfo info = model.info();
        MemorySegment params = library.embeddingContextParams(arena, new LlamaLibrary.ContextSettings(PASS_TOKENS,
                PASS_TOKENS, PASS_TOKENS, MAX_INPUTS, info.defaultThreads(), info.defaultDecodeThreads()), nativePooling);
        NativeLog.clearFirstError();
        try {
            MemorySegment created = library.initFromModel(model.nativeModel(), params);
            if (created.equals(MemorySegment.NULL)) {
                String reason = NativeLog.firstError();
                throw new ModelLoadException("llama.cpp could not create an embeddings context of " + PASS_TOKENS
                        + " tokens for " + info.name() + (reason == null ? "" : ": " + reason));
            }
            // a pass larger than these would trip an assertion inside llama.cpp and abort the JVM
            try {
                requireAtLeast(created, "n_batch", PASS_TOKENS);
                requireAtLeast(created, "n_ubatch", PASS_TOKENS);
                requireAtLeast(created, "n_seq_max", MAX_INPUTS);
            } catch (ModelLoadException e) {
                library.free(created);
                throw e;
            }
            return created;
        } finally {
            NativeLog.clearFirstError();
        }
    }

    private void requireAtLeast(MemorySegment created, String parameter, int wanted) {
        int value = library.contextValue(created, parameter);
        if (value < wanted) {
            throw new ModelLoadException("llama.cpp made an embeddings context with " + parameter + " = " + value
                    + " for " + model.info().name() + ", fewer than the " + wanted + " asked for");
        }
    }

    @Override
    public ModelInfo info() {
        return model.info();
    }

    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public int maxInputTokens() {
        return maxInputTokens;
    }

    @Override
    public int maxBatchInputs() {
        return MAX_INPUTS;
    }

    @Override
    public Pooling pooling() {
        return pooling;
    }

    @Override
    public boolean normalized() {
        return normalize;
    }

    /** With the model's special tokens (BOS, or {@code [CLS] … [SEP]}), special-token text parsed. */
    @Override
    public int[] tokenize(String text) {
        return model.tokenize(text, true);
    }

    /**
     * {@inheritDoc}
     *
     * @throws LlmException if llama.cpp fails a pass
     * @throws IllegalStateException if the model is closed
     */
    @Override
    public List<float[]> embed(List<int[]> inputs) {
        Objects.requireNonNull(inputs, "inputs");
        EmbeddingInputs.check(inputs, vocabularySize(), maxInputTokens);
        lock.lock();
        try {
            checkOpen();
            List<float[]> embeddings = new ArrayList<>(inputs.size());
            int first = 0;
            while (first < inputs.size()) {
                // every input fits a pass on its own (maxInputTokens <= PASS_TOKENS), so each pass takes at least one
                int end = first;
                int tokens = 0;
                while (end < inputs.size() && end - first < MAX_INPUTS && tokens + inputs.get(end).length <= PASS_TOKENS) {
                    tokens += inputs.get(end).length;
                    end++;
                }
                embeddings.addAll(pass(inputs.subList(first, end)));
                first = end;
            }
            return embeddings;
        } finally {
            lock.unlock();
        }
    }

    /** One forward pass over {@code inputs}, input {@code i} as sequence {@code i}. */
    private List<float[]> pass(List<int[]> inputs) {
        int size = 0;
        for (int sequence = 0; sequence < inputs.size(); sequence++) {
            int[] tokens = inputs.get(sequence);
            for (int position = 0; position < tokens.length; position++) {
                batch.set(size++, tokens[position], position, sequence, true);
            }
        }
        if (!encoderOnly) {
            // the previous pass's cells would otherwise hold the same sequence ids at the same positions
            library.clearMemory(memory);
        }
        NativeLog.clearFirstError();
        try {
            MemorySegment nativeBatch = batch.ofSize(size);
            int result = encoderOnly ? library.encode(context, nativeBatch) : library.decode(context, nativeBatch);
            if (result != 0) {
                String reason = NativeLog.firstError();
                throw new LlmException((encoderOnly ? "llama_encode" : "llama_decode") + " failed with " + result
                        + " on a pass of " + inputs.size() + " inputs, " + size + " tokens"
                        + (reason == null ? "" : ": " + reason));
            }
        } finally {
            NativeLog.clearFirstError();
        }
        List<float[]> embeddings = new ArrayList<>(inputs.size());
        int start = 0;
        for (int sequence = 0; sequence < inputs.size(); sequence++) {
            int length = inputs.get(sequence).length;
            int first = start;
            // the mean of the token vectors at batch indices first .. first + length - 1
            float[] embedding = meanHere ? EmbeddingInputs.mean(i -> vector(library.getEmbeddingsIth(context, first + i),
                    "batch index " + (first + i)), length, dimensions)
                    : vector(library.getEmbeddingsSeq(context, sequence), "sequence " + sequence);
            if (normalize) {
                EmbeddingInputs.normalize(embedding);
            }
            embeddings.add(embedding);
            start += length;
        }
        return embeddings;
    }

    private float[] vector(MemorySegment address, String what) {
        if (address.equals(MemorySegment.NULL)) {
            throw new LlmException("llama.cpp has no embedding for " + what + " of the pass");
        }
        return address.reinterpret(dimensions * JAVA_FLOAT.byteSize()).toArray(JAVA_FLOAT);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the embedding model " + model.info().name() + " is closed");
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
            batch.free();
            library.free(context);
            arena.close();
            model.close();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "LlamaCppEmbeddingModel[" + model.info().name() + ", " + model.info().architecture() + ", " + pooling
                + " pooling, " + dimensions + " dimensions]";
    }
}
