package dev.jvmllm.llamacpp.internal;

import dev.jvmllm.api.ModelLoadException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One loaded llama.cpp shared library and every function of it this backend calls, bound with
 * {@code java.lang.foreign}. The functions whose signatures are the same in every C API this
 * backend speaks are bound here; what differs (the layouts of {@code llama_model_params} and
 * {@code llama_context_params}, the KV cache functions, the length of an embedding) is in one
 * subclass per C API: {@link B4916Library} (llama.cpp b4916, inside {@code de.kherud:llama}
 * 4.2.0) and {@link CurrentLibrary} (llama.cpp 0.5.x, with {@code llama_memory_*}). Which one a
 * library is comes from the library itself ({@link #bind}); struct offsets are never guessed.
 *
 * <p>The methods are thin: they call the C function and nothing else, so every value must be
 * checked by the caller first. Instances are made by {@link LlamaLibraries}, one per library file,
 * and live as long as the JVM (a library cannot be unloaded while code may still call it).
 */
@SuppressWarnings("restricted") // binding native functions is what this class is for
public abstract sealed class LlamaLibrary permits B4916Library, CurrentLibrary {

    /** {@code struct llama_batch}: 56 bytes in both C APIs. */
    public static final StructLayout BATCH = MemoryLayout.structLayout(
            JAVA_INT.withName("n_tokens"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("token"),
            ADDRESS.withName("embd"),
            ADDRESS.withName("pos"),
            ADDRESS.withName("n_seq_id"),
            ADDRESS.withName("seq_id"),
            ADDRESS.withName("logits")).withName("llama_batch");

    // enum llama_pooling_type, the same in both C APIs
    /** {@code LLAMA_POOLING_TYPE_NONE}: a vector per token, no embedding per sequence. */
    public static final int POOLING_NONE = 0;
    public static final int POOLING_MEAN = 1;
    public static final int POOLING_CLS = 2;
    public static final int POOLING_LAST = 3;
    /** {@code LLAMA_POOLING_TYPE_RANK}: a reranker's scores, not an embedding. */
    public static final int POOLING_RANK = 4;

    /** The names of the functions that tell a library's C API apart (see {@link #bind}). */
    static final String MEMORY_CLEAR = "llama_memory_clear";
    static final String VERSION = "llama_version";
    static final String KV_SELF_SEQ_RM = "llama_kv_self_seq_rm";

    private static final Linker LINKER = Linker.nativeLinker();

    private final Path path;
    private final String version;
    private final SymbolLookup symbols;

    private final MethodHandle modelDefaultParams;
    private final MethodHandle contextDefaultParams;
    private final MethodHandle printSystemInfo;
    private final MethodHandle supportsGpuOffload;
    private final MethodHandle modelLoadFromFile;
    private final MethodHandle modelFree;
    private final MethodHandle modelGetVocab;
    private final MethodHandle modelNCtxTrain;
    private final MethodHandle modelChatTemplate;
    private final MethodHandle vocabNTokens;
    private final MethodHandle vocabBos;
    private final MethodHandle vocabEos;
    private final MethodHandle vocabIsEog;
    private final MethodHandle tokenize;
    private final MethodHandle tokenToPiece;
    private final MethodHandle initFromModel;
    private final MethodHandle free;
    private final MethodHandle nCtx;
    private final MethodHandle nBatch;
    private final MethodHandle nUbatch;
    private final MethodHandle nSeqMax;
    private final MethodHandle nThreads;
    private final MethodHandle nThreadsBatch;
    private final MethodHandle batchInit;
    private final MethodHandle batchFree;
    private final MethodHandle decode;
    private final MethodHandle encode;
    private final MethodHandle getLogitsIth;
    private final MethodHandle poolingType;
    private final MethodHandle getEmbeddingsSeq;
    private final MethodHandle getEmbeddingsIth;
    private final MethodHandle modelHasEncoder;
    private final MethodHandle modelHasDecoder;

    /**
     * Binds the common functions. The subclass's struct layouts must be constants: they are read
     * here, before the subclass's own fields are set.
     */
    LlamaLibrary(Path path, SymbolLookup symbols, String version) {
        this.path = path;
        this.symbols = symbols;
        this.version = version;
        modelDefaultParams = bind("llama_model_default_params", FunctionDescriptor.of(modelParamsLayout()));
        contextDefaultParams = bind("llama_context_default_params", FunctionDescriptor.of(contextParamsLayout()));
        printSystemInfo = bind("llama_print_system_info", FunctionDescriptor.of(ADDRESS));
        supportsGpuOffload = bind("llama_supports_gpu_offload", FunctionDescriptor.of(JAVA_BOOLEAN));
        modelLoadFromFile = bind("llama_model_load_from_file", FunctionDescriptor.of(ADDRESS, ADDRESS, modelParamsLayout()));
        modelFree = bind("llama_model_free", FunctionDescriptor.ofVoid(ADDRESS));
        modelGetVocab = bind("llama_model_get_vocab", FunctionDescriptor.of(ADDRESS, ADDRESS));
        modelNCtxTrain = bind("llama_model_n_ctx_train", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        modelChatTemplate = bind("llama_model_chat_template", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        vocabNTokens = bind("llama_vocab_n_tokens", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        vocabBos = bind("llama_vocab_bos", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        vocabEos = bind("llama_vocab_eos", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        vocabIsEog = bind("llama_vocab_is_eog", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT));
        tokenize = bind("llama_tokenize", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_BOOLEAN, JAVA_BOOLEAN));
        tokenToPiece = bind("llama_token_to_piece", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_BOOLEAN));
        initFromModel = bind("llama_init_from_model", FunctionDescriptor.of(ADDRESS, ADDRESS, contextParamsLayout()));
        free = bind("llama_free", FunctionDescriptor.ofVoid(ADDRESS));
        nCtx = bind("llama_n_ctx", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        nBatch = bind("llama_n_batch", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        nUbatch = bind("llama_n_ubatch", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        nSeqMax = bind("llama_n_seq_max", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        nThreads = bind("llama_n_threads", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        nThreadsBatch = bind("llama_n_threads_batch", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        batchInit = bind("llama_batch_init", FunctionDescriptor.of(BATCH, JAVA_INT, JAVA_INT, JAVA_INT));
        batchFree = bind("llama_batch_free", FunctionDescriptor.ofVoid(BATCH));
        decode = bind("llama_decode", FunctionDescriptor.of(JAVA_INT, ADDRESS, BATCH));
        encode = bind("llama_encode", FunctionDescriptor.of(JAVA_INT, ADDRESS, BATCH));
        getLogitsIth = bind("llama_get_logits_ith", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        poolingType = bind("llama_pooling_type", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getEmbeddingsSeq = bind("llama_get_embeddings_seq", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        getEmbeddingsIth = bind("llama_get_embeddings_ith", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        modelHasEncoder = bind("llama_model_has_encoder", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS));
        modelHasDecoder = bind("llama_model_has_decoder", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS));
    }

    /**
     * Binds the library at {@code path} to the C API it speaks, told apart by what it exports:
     * {@code llama_memory_clear} and {@code llama_version} mark the current API (its version must
     * be one this backend knows, see {@link CurrentLibrary#SPOKEN_VERSIONS}); {@code llama_kv_self_seq_rm}
     * without them marks b4916's. Then the struct defaults it returns are checked against the
     * layout of that API, so a library whose structs differ is refused before anything is written
     * into them.
     *
     * @throws ModelLoadException naming what the library is and why it is refused
     */
    static LlamaLibrary bind(Path path, SymbolLookup symbols) {
        boolean hasDecode = symbols.find("llama_decode").isPresent();
        if (!hasDecode) {
            throw new ModelLoadException(path + " is not a llama.cpp library: it exports no llama_decode");
        }
        boolean current = symbols.find(MEMORY_CLEAR).isPresent();
        Optional<MemorySegment> versionFunction = symbols.find(VERSION);
        LlamaLibrary library;
        if (current && versionFunction.isPresent()) {
            String version = callVersion(versionFunction.get());
            if (!CurrentLibrary.speaks(version)) {
                throw new ModelLoadException("llama.cpp " + version + " (" + path + ") has a C API this build does not"
                        + " speak; it speaks " + CurrentLibrary.SPOKEN_VERSIONS + " and b4916 (the bundled library)");
            }
            library = new CurrentLibrary(path, symbols, version);
        } else if (!current && versionFunction.isEmpty() && symbols.find(KV_SELF_SEQ_RM).isPresent()) {
            library = new B4916Library(path, symbols);
        } else {
            throw new ModelLoadException(path + " is a llama.cpp library of a C API this build does not speak ("
                    + (current ? "it has " : "it has no ") + MEMORY_CLEAR + ", " + (versionFunction.isPresent() ? "" : "no ")
                    + VERSION + "); it speaks " + CurrentLibrary.SPOKEN_VERSIONS + " and b4916 (the bundled library)");
        }
        library.checkDefaults();
        return library;
    }

    private static String callVersion(MemorySegment function) {
        try {
            MethodHandle handle = LINKER.downcallHandle(function, FunctionDescriptor.of(ADDRESS));
            MemorySegment text = (MemorySegment) handle.invokeExact();
            return text.equals(MemorySegment.NULL) ? "(no version)" : text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Routes the library's log to {@link NativeLog} and initialises it ({@code llama_backend_init},
     * after loading the CPU backends where they are separate libraries). Called once, right after
     * the library was bound.
     */
    void initialise() {
        try {
            MethodHandle target = MethodHandles.lookup().findStatic(NativeLog.class, "onLog",
                    MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class));
            MemorySegment stub = LINKER.upcallStub(target, FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS),
                    Arena.global());
            MethodHandle logSet = bind("llama_log_set", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
            logSet.invokeExact(stub, MemorySegment.NULL);
            loadBackends();
            MethodHandle backendInit = bind("llama_backend_init", FunctionDescriptor.ofVoid());
            backendInit.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
        NativeLog.debug("llama.cpp " + version + " from " + path + ": " + systemInfo());
    }

    /** Loads the ggml backends that live in libraries of their own; nothing where they are built in. */
    abstract void loadBackends();

    /** Throws a {@link ModelLoadException} if the library's struct defaults do not fit this API's layouts. */
    abstract void checkDefaults();

    /** The file it was loaded from. */
    public final Path path() {
        return path;
    }

    /** Its version: {@code llama_version()}, or {@code b4916} for the bundled library. */
    public final String version() {
        return version;
    }

    /** The C API it speaks: {@code b4916} or {@code 0.5}. */
    public abstract String api();

    /** "llama.cpp VERSION", for messages and listings. */
    public final String describe() {
        return "llama.cpp " + version;
    }

    final MethodHandle bind(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbols.findOrThrow(name), descriptor);
    }

    final Optional<MethodHandle> bindIfPresent(String name, FunctionDescriptor descriptor) {
        return symbols.find(name).map(address -> LINKER.downcallHandle(address, descriptor));
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException e) {
            return e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /** The byte offset of a field in a struct layout. */
    public static long offset(StructLayout layout, String field) {
        return layout.byteOffset(groupElement(field));
    }

    // ---- what differs between the C APIs ----

    /** This API's {@code struct llama_model_params}. */
    public abstract StructLayout modelParamsLayout();

    /** This API's {@code struct llama_context_params}. */
    public abstract StructLayout contextParamsLayout();

    /** {@code llama_model_default_params()}, allocated in {@code allocator}. */
    final MemorySegment defaultModelParams(SegmentAllocator allocator) {
        try {
            return (MemorySegment) modelDefaultParams.invokeExact(allocator);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_context_default_params()}, allocated in {@code allocator}. */
    final MemorySegment defaultContextParams(SegmentAllocator allocator) {
        try {
            return (MemorySegment) contextDefaultParams.invokeExact(allocator);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_model_default_params()} with {@code n_gpu_layers} set, allocated in {@code allocator}. */
    public MemorySegment modelParams(SegmentAllocator allocator, int gpuLayers) {
        MemorySegment params = defaultModelParams(allocator);
        params.set(JAVA_INT, offset(modelParamsLayout(), "n_gpu_layers"), gpuLayers);
        return params;
    }

    /**
     * {@code llama_context_default_params()} with the sizes and threads of a processor (fields
     * of the same names in both layouts), allocated in {@code allocator}.
     */
    public MemorySegment contextParams(SegmentAllocator allocator, ContextSettings settings) {
        MemorySegment params = defaultContextParams(allocator);
        StructLayout layout = contextParamsLayout();
        params.set(JAVA_INT, offset(layout, "n_ctx"), settings.contextTokens());
        params.set(JAVA_INT, offset(layout, "n_batch"), settings.batchTokens());
        params.set(JAVA_INT, offset(layout, "n_ubatch"), settings.microBatchTokens());
        params.set(JAVA_INT, offset(layout, "n_seq_max"), settings.sequences());
        params.set(JAVA_INT, offset(layout, "n_threads"), settings.decodeThreads());
        params.set(JAVA_INT, offset(layout, "n_threads_batch"), settings.threads());
        return params;
    }

    /**
     * {@link #contextParams} for a context that computes embeddings: {@code embeddings = true} and
     * {@code pooling_type} (one of the {@code POOLING_*} values). Each API sees to the rest: one
     * KV cache for all sequences, which holds a pass of several short inputs in one context's
     * worth of cells, and flash attention.
     */
    public MemorySegment embeddingContextParams(SegmentAllocator allocator, ContextSettings settings, int pooling) {
        MemorySegment params = contextParams(allocator, settings);
        StructLayout layout = contextParamsLayout();
        params.set(JAVA_BOOLEAN, offset(layout, "embeddings"), true);
        params.set(JAVA_INT, offset(layout, "pooling_type"), pooling);
        return params;
    }

    /**
     * The length of a model's embeddings: {@code llama_model_n_embd} in b4916,
     * {@code llama_model_n_embd_out} now (which is {@code n_embd} unless the model projects its
     * output to another size).
     */
    public abstract int embeddingLength(MemorySegment model);

    /**
     * Whether a context may pool with {@code POOLING_MEAN} whatever the model. b4916 aborts the
     * JVM while it creates one for a model whose graph keeps only the output rows (every
     * generative model: llama.cpp issue 12517, fixed after b4916); there the mean is taken from
     * the token vectors of a context without pooling instead, which is all its mean pooling is.
     */
    public abstract boolean canMeanPool();

    /** Empties the KV cache: every sequence's cells. */
    public abstract void clearMemory(MemorySegment memory);

    /**
     * Whether a context's sequences share one KV cache, so that every token of a batch attends
     * over the cells of all sequences in it (b4916), rather than each sequence having its own.
     */
    public abstract boolean unifiedKvCache();

    /** The KV cache of a context, for the memory functions: the context itself in b4916, {@code llama_get_memory} now. */
    public abstract MemorySegment memory(MemorySegment context);

    /** Removes a sequence's cells in {@code [from, to)} ({@code to < 0}: to the end); false if a partial removal is impossible. */
    public abstract boolean seqRm(MemorySegment memory, int sequence, int from, int to);

    /** Gives an empty {@code target} every cell of {@code source}: shared cells in one cache, a copy between caches. */
    public abstract void seqCp(MemorySegment memory, int source, int target);

    /**
     * Whether a sequence cut to its first {@code length} tokens still has every cell that the
     * tokens after them attend to. Always, where the cache keeps every token; a sliding-window
     * cache that dropped cells before its window has them only when the cut leaves a window's
     * worth of cells before it.
     */
    public abstract boolean canKeepPrefix(MemorySegment memory, MemorySegment model, int sequence, int length);

    /** How many KV cells hold tokens, where the library can say. */
    public abstract Optional<Integer> usedCells(MemorySegment context);

    /**
     * Whether a {@code llama_decode} result means "no room for this batch in the KV cache" and
     * {@link #compact} may make room: b4916 needs one contiguous run of cells per micro-batch,
     * so cells freed by released sequences can leave holes too small to use.
     */
    public abstract boolean compactingMayHelp(int decodeResult);

    /** Compacts the KV cache now (b4916's defragmentation); nothing where cells need not be contiguous. */
    public abstract void compact(MemorySegment context);

    /** Whether {@code result} of {@code llama_decode} means the KV cache has no room for the batch. */
    public abstract boolean isNoRoom(int decodeResult);

    /** {@code llama_model_quantize}, where the library has it. */
    public abstract Optional<Quantizer> quantizer();

    /**
     * Below this size of weights a forward pass is so short that a second thread costs more in
     * synchronisation than it saves, on both libraries (measured in docs/benchmarks.md#threads).
     */
    public static final long SINGLE_THREAD_BELOW = 8L << 20;

    /**
     * The thread count for a forward pass when the caller asks for none: one below
     * {@link #SINGLE_THREAD_BELOW} of weights, every core above.
     */
    public int defaultThreads(long weightBytes, int processors) {
        return weightBytes < SINGLE_THREAD_BELOW ? 1 : processors;
    }

    /** The thread count for a pass over a single token when the caller asks for none: as {@link #defaultThreads}. */
    public int defaultDecodeThreads(long weightBytes, int processors) {
        return defaultThreads(weightBytes, processors);
    }

    /**
     * What a processor's context is sized to.
     *
     * @param threads llama.cpp's {@code n_threads_batch}: the threads of a pass over several tokens
     * @param decodeThreads llama.cpp's {@code n_threads}: the threads of a pass over a single token
     */
    public record ContextSettings(int contextTokens, int batchTokens, int microBatchTokens, int sequences, int threads,
                                  int decodeThreads) {
    }

    /** Quantizes a GGUF file; see {@code llama_model_quantize}. */
    public interface Quantizer {
        /** @return 0 on success, as {@code llama_model_quantize} */
        int quantize(MemorySegment input, MemorySegment output, int fileType, int threads);
    }

    // ---- the functions with one signature in every API ----

    /** {@code llama_print_system_info()}: the CPU features llama.cpp uses. */
    public final String systemInfo() {
        try {
            return ((MemorySegment) printSystemInfo.invokeExact()).reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_supports_gpu_offload()}: whether this build has a GPU backend. */
    public final boolean supportsGpuOffload() {
        try {
            return (boolean) supportsGpuOffload.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_model_load_from_file}: the model, or NULL. */
    public final MemorySegment modelLoadFromFile(MemorySegment path, MemorySegment params) {
        try {
            return (MemorySegment) modelLoadFromFile.invokeExact(path, params);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public final void modelFree(MemorySegment model) {
        try {
            modelFree.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public final MemorySegment modelGetVocab(MemorySegment model) {
        try {
            return (MemorySegment) modelGetVocab.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public final int modelNCtxTrain(MemorySegment model) {
        try {
            return (int) modelNCtxTrain.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_model_chat_template(model, NULL)}: the model's default template, or null. */
    public final String modelChatTemplate(MemorySegment model) {
        try {
            MemorySegment text = (MemorySegment) modelChatTemplate.invokeExact(model, MemorySegment.NULL);
            return text.equals(MemorySegment.NULL) ? null : text.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public final int vocabNTokens(MemorySegment vocab) {
        try {
            return (int) vocabNTokens.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public final int vocabBos(MemorySegment vocab) {
        try {
            return (int) vocabBos.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public final int vocabEos(MemorySegment vocab) {
        try {
            return (int) vocabEos.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_vocab_is_eog}; the token must be a valid id. */
    public final boolean vocabIsEog(MemorySegment vocab, int token) {
        try {
            return (boolean) vocabIsEog.invokeExact(vocab, token);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_tokenize}: the token count, or its negation if {@code maxTokens} is too small. */
    public final int tokenize(MemorySegment vocab, MemorySegment text, int textLength, MemorySegment tokens,
                              int maxTokens, boolean addSpecial, boolean parseSpecial) {
        try {
            return (int) tokenize.invokeExact(vocab, text, textLength, tokens, maxTokens, addSpecial, parseSpecial);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_token_to_piece}: the byte count, or its negation if {@code length} is too small. */
    public final int tokenToPiece(MemorySegment vocab, int token, MemorySegment buffer, int length, int lstrip,
                                  boolean special) {
        try {
            return (int) tokenToPiece.invokeExact(vocab, token, buffer, length, lstrip, special);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_init_from_model}: the context, or NULL. */
    public final MemorySegment initFromModel(MemorySegment model, MemorySegment params) {
        try {
            return (MemorySegment) initFromModel.invokeExact(model, params);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public final void free(MemorySegment context) {
        try {
            free.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_n_ctx}, {@code llama_n_batch}, ...: what a context was really created with. */
    public final int contextValue(MemorySegment context, String name) {
        MethodHandle handle = switch (name) {
            case "n_ctx" -> nCtx;
            case "n_batch" -> nBatch;
            case "n_ubatch" -> nUbatch;
            case "n_seq_max" -> nSeqMax;
            case "n_threads" -> nThreads;
            case "n_threads_batch" -> nThreadsBatch;
            default -> throw new IllegalArgumentException(name);
        };
        try {
            return (int) handle.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_batch_init}, the returned struct allocated in {@code allocator}. */
    public final MemorySegment batchInit(SegmentAllocator allocator, int tokens, int embd, int seqMax) {
        try {
            return (MemorySegment) batchInit.invokeExact(allocator, tokens, embd, seqMax);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public final void batchFree(MemorySegment batch) {
        try {
            batchFree.invokeExact(batch);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_decode}: 0 ok, 1 no KV slot, other values errors. */
    public final int decode(MemorySegment context, MemorySegment batch) {
        try {
            return (int) decode.invokeExact(context, batch);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_encode}: 0 ok, negative an error; for a model that has an encoder only. */
    public final int encode(MemorySegment context, MemorySegment batch) {
        try {
            return (int) encode.invokeExact(context, batch);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_pooling_type}: the pooling a context was really created with ({@code POOLING_*}). */
    public final int poolingType(MemorySegment context) {
        try {
            return (int) poolingType.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code llama_get_embeddings_seq}: a zero-length segment at the pooled embedding of a
     * sequence of the last pass, or NULL (no pooling, or no such sequence).
     */
    public final MemorySegment getEmbeddingsSeq(MemorySegment context, int sequence) {
        try {
            return (MemorySegment) getEmbeddingsSeq.invokeExact(context, sequence);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code llama_get_embeddings_ith}: a zero-length segment at the vector of batch index
     * {@code index} of the last pass of a context without pooling, or NULL (no output there).
     */
    public final MemorySegment getEmbeddingsIth(MemorySegment context, int index) {
        try {
            return (MemorySegment) getEmbeddingsIth.invokeExact(context, index);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_model_has_encoder}: whether the model has an encoder, run by {@link #encode}. */
    public final boolean modelHasEncoder(MemorySegment model) {
        try {
            return (boolean) modelHasEncoder.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_model_has_decoder}: whether the model has a decoder, run by {@link #decode}. */
    public final boolean modelHasDecoder(MemorySegment model) {
        try {
            return (boolean) modelHasDecoder.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_get_logits_ith}: a zero-length segment at the row, or NULL. */
    public final MemorySegment getLogitsIth(MemorySegment context, int index) {
        try {
            return (MemorySegment) getLogitsIth.invokeExact(context, index);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public final String toString() {
        return describe() + " (" + api() + " C API, " + path + ")";
    }
}
