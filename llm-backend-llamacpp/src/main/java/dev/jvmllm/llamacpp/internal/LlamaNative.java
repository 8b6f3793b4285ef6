package dev.jvmllm.llamacpp.internal;

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
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Every llama.cpp function this backend calls, bound with {@code java.lang.foreign}, and the
 * layouts of the structs it passes by value (llama.cpp b4916 as shipped in
 * {@code de.kherud:llama} 4.2.0; see {@code llama-cpp-abi.md}). The methods are thin: they call
 * the C function and nothing else, so every value must be checked by the caller first.
 *
 * <p>Loading this class loads the library (through {@link NativeLibrary}, which callers should
 * try first so that a missing library becomes a clear error), routes llama.cpp's log to SLF4J
 * and calls {@code llama_backend_init} once.
 */
@SuppressWarnings("restricted") // binding native functions is what this class is for
public final class LlamaNative {

    /** {@code struct llama_model_params}: 64 bytes. */
    public static final StructLayout MODEL_PARAMS = MemoryLayout.structLayout(
            ADDRESS.withName("devices"),
            JAVA_INT.withName("n_gpu_layers"),
            JAVA_INT.withName("split_mode"),
            JAVA_INT.withName("main_gpu"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("tensor_split"),
            ADDRESS.withName("progress_callback"),
            ADDRESS.withName("progress_callback_user_data"),
            ADDRESS.withName("kv_overrides"),
            JAVA_BOOLEAN.withName("vocab_only"),
            JAVA_BOOLEAN.withName("use_mmap"),
            JAVA_BOOLEAN.withName("use_mlock"),
            JAVA_BOOLEAN.withName("check_tensors"),
            MemoryLayout.paddingLayout(4)).withName("llama_model_params");

    /** {@code struct llama_context_params}: 120 bytes. */
    public static final StructLayout CONTEXT_PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("n_ctx"),
            JAVA_INT.withName("n_batch"),
            JAVA_INT.withName("n_ubatch"),
            JAVA_INT.withName("n_seq_max"),
            JAVA_INT.withName("n_threads"),
            JAVA_INT.withName("n_threads_batch"),
            JAVA_INT.withName("rope_scaling_type"),
            JAVA_INT.withName("pooling_type"),
            JAVA_INT.withName("attention_type"),
            JAVA_FLOAT.withName("rope_freq_base"),
            JAVA_FLOAT.withName("rope_freq_scale"),
            JAVA_FLOAT.withName("yarn_ext_factor"),
            JAVA_FLOAT.withName("yarn_attn_factor"),
            JAVA_FLOAT.withName("yarn_beta_fast"),
            JAVA_FLOAT.withName("yarn_beta_slow"),
            JAVA_INT.withName("yarn_orig_ctx"),
            JAVA_FLOAT.withName("defrag_thold"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("cb_eval"),
            ADDRESS.withName("cb_eval_user_data"),
            JAVA_INT.withName("type_k"),
            JAVA_INT.withName("type_v"),
            JAVA_BOOLEAN.withName("logits_all"),
            JAVA_BOOLEAN.withName("embeddings"),
            JAVA_BOOLEAN.withName("offload_kqv"),
            JAVA_BOOLEAN.withName("flash_attn"),
            JAVA_BOOLEAN.withName("no_perf"),
            MemoryLayout.paddingLayout(3),
            ADDRESS.withName("abort_callback"),
            ADDRESS.withName("abort_callback_data")).withName("llama_context_params");

    /** {@code struct llama_batch}: 56 bytes. */
    public static final StructLayout BATCH = MemoryLayout.structLayout(
            JAVA_INT.withName("n_tokens"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("token"),
            ADDRESS.withName("embd"),
            ADDRESS.withName("pos"),
            ADDRESS.withName("n_seq_id"),
            ADDRESS.withName("seq_id"),
            ADDRESS.withName("logits")).withName("llama_batch");

    /** {@code struct llama_chat_message}: 16 bytes. */
    public static final StructLayout CHAT_MESSAGE = MemoryLayout.structLayout(
            ADDRESS.withName("role"),
            ADDRESS.withName("content")).withName("llama_chat_message");

    /** {@code LLAMA_TOKEN_NULL}: llama.cpp's "no such token". */
    public static final int TOKEN_NULL = -1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBRARY = NativeLibrary.lookup();

    private static final MethodHandle BACKEND_INIT = bind("llama_backend_init", FunctionDescriptor.ofVoid());
    private static final MethodHandle LOG_SET = bind("llama_log_set", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
    private static final MethodHandle PRINT_SYSTEM_INFO = bind("llama_print_system_info", FunctionDescriptor.of(ADDRESS));
    private static final MethodHandle MODEL_DEFAULT_PARAMS = bind("llama_model_default_params",
            FunctionDescriptor.of(MODEL_PARAMS));
    private static final MethodHandle CONTEXT_DEFAULT_PARAMS = bind("llama_context_default_params",
            FunctionDescriptor.of(CONTEXT_PARAMS));
    private static final MethodHandle MODEL_LOAD_FROM_FILE = bind("llama_model_load_from_file",
            FunctionDescriptor.of(ADDRESS, ADDRESS, MODEL_PARAMS));
    private static final MethodHandle MODEL_FREE = bind("llama_model_free", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle MODEL_GET_VOCAB = bind("llama_model_get_vocab", FunctionDescriptor.of(ADDRESS, ADDRESS));
    private static final MethodHandle MODEL_N_CTX_TRAIN = bind("llama_model_n_ctx_train", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle MODEL_CHAT_TEMPLATE = bind("llama_model_chat_template",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle VOCAB_N_TOKENS = bind("llama_vocab_n_tokens", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle VOCAB_BOS = bind("llama_vocab_bos", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle VOCAB_EOS = bind("llama_vocab_eos", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle VOCAB_IS_EOG = bind("llama_vocab_is_eog",
            FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT));
    private static final MethodHandle TOKENIZE = bind("llama_tokenize", FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_BOOLEAN, JAVA_BOOLEAN));
    private static final MethodHandle TOKEN_TO_PIECE = bind("llama_token_to_piece", FunctionDescriptor.of(JAVA_INT,
            ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_BOOLEAN));
    private static final MethodHandle CHAT_APPLY_TEMPLATE = bind("llama_chat_apply_template", FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, JAVA_LONG, JAVA_BOOLEAN, ADDRESS, JAVA_INT));
    private static final MethodHandle CHAT_BUILTIN_TEMPLATES = bind("llama_chat_builtin_templates",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle INIT_FROM_MODEL = bind("llama_init_from_model",
            FunctionDescriptor.of(ADDRESS, ADDRESS, CONTEXT_PARAMS));
    private static final MethodHandle FREE = bind("llama_free", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle N_CTX = bind("llama_n_ctx", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle N_BATCH = bind("llama_n_batch", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle N_UBATCH = bind("llama_n_ubatch", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle N_SEQ_MAX = bind("llama_n_seq_max", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle N_THREADS = bind("llama_n_threads", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle N_THREADS_BATCH = bind("llama_n_threads_batch", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle BATCH_INIT = bind("llama_batch_init",
            FunctionDescriptor.of(BATCH, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BATCH_FREE = bind("llama_batch_free", FunctionDescriptor.ofVoid(BATCH));
    private static final MethodHandle DECODE = bind("llama_decode", FunctionDescriptor.of(JAVA_INT, ADDRESS, BATCH));
    private static final MethodHandle GET_LOGITS_ITH = bind("llama_get_logits_ith",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle KV_SELF_SEQ_RM = bind("llama_kv_self_seq_rm",
            FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle KV_SELF_DEFRAG = bind("llama_kv_self_defrag", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle KV_SELF_UPDATE = bind("llama_kv_self_update", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle KV_SELF_USED_CELLS = bind("llama_kv_self_used_cells",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));

    private static final List<String> BUILTIN_TEMPLATES;

    static {
        // the log callback first, so that even llama_backend_init's messages go to SLF4J
        try {
            MethodHandle target = MethodHandles.lookup().findStatic(NativeLog.class, "onLog",
                    MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class));
            MemorySegment stub = LINKER.upcallStub(target, FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS),
                    Arena.global());
            LOG_SET.invokeExact(stub, MemorySegment.NULL);
            BACKEND_INIT.invokeExact();
        } catch (Throwable t) {
            throw new ExceptionInInitializerError(t);
        }
        BUILTIN_TEMPLATES = readBuiltinTemplates();
        NativeLog.debug("llama.cpp system info: " + systemInfo());
    }

    private LlamaNative() {
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIBRARY.findOrThrow(name), descriptor);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException e) {
            return e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /** Makes sure the library is loaded and initialised. */
    public static void init() {
        // loading this class did it all
    }

    /** {@code llama_print_system_info()}: the CPU features llama.cpp uses. */
    public static String systemInfo() {
        try {
            return ((MemorySegment) PRINT_SYSTEM_INFO.invokeExact()).reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_model_default_params()}, allocated in {@code allocator}. */
    public static MemorySegment modelDefaultParams(SegmentAllocator allocator) {
        try {
            return (MemorySegment) MODEL_DEFAULT_PARAMS.invokeExact(allocator);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_context_default_params()}, allocated in {@code allocator}. */
    public static MemorySegment contextDefaultParams(SegmentAllocator allocator) {
        try {
            return (MemorySegment) CONTEXT_DEFAULT_PARAMS.invokeExact(allocator);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_model_load_from_file}: the model, or NULL. */
    public static MemorySegment modelLoadFromFile(MemorySegment path, MemorySegment params) {
        try {
            return (MemorySegment) MODEL_LOAD_FROM_FILE.invokeExact(path, params);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void modelFree(MemorySegment model) {
        try {
            MODEL_FREE.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static MemorySegment modelGetVocab(MemorySegment model) {
        try {
            return (MemorySegment) MODEL_GET_VOCAB.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int modelNCtxTrain(MemorySegment model) {
        try {
            return (int) MODEL_N_CTX_TRAIN.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_model_chat_template(model, NULL)}: the model's default template, or null. */
    public static String modelChatTemplate(MemorySegment model) {
        try {
            MemorySegment text = (MemorySegment) MODEL_CHAT_TEMPLATE.invokeExact(model, MemorySegment.NULL);
            return text.equals(MemorySegment.NULL) ? null : text.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int vocabNTokens(MemorySegment vocab) {
        try {
            return (int) VOCAB_N_TOKENS.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int vocabBos(MemorySegment vocab) {
        try {
            return (int) VOCAB_BOS.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int vocabEos(MemorySegment vocab) {
        try {
            return (int) VOCAB_EOS.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_vocab_is_eog}; the token must be a valid id. */
    public static boolean vocabIsEog(MemorySegment vocab, int token) {
        try {
            return (boolean) VOCAB_IS_EOG.invokeExact(vocab, token);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_tokenize}: the token count, or its negation if {@code maxTokens} is too small. */
    public static int tokenize(MemorySegment vocab, MemorySegment text, int textLength, MemorySegment tokens,
                               int maxTokens, boolean addSpecial, boolean parseSpecial) {
        try {
            return (int) TOKENIZE.invokeExact(vocab, text, textLength, tokens, maxTokens, addSpecial, parseSpecial);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_token_to_piece}: the byte count, or its negation if {@code length} is too small. */
    public static int tokenToPiece(MemorySegment vocab, int token, MemorySegment buffer, int length, int lstrip,
                                   boolean special) {
        try {
            return (int) TOKEN_TO_PIECE.invokeExact(vocab, token, buffer, length, lstrip, special);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_chat_apply_template}: the formatted length (may exceed {@code length}), or negative. */
    public static int chatApplyTemplate(MemorySegment template, MemorySegment messages, long count, boolean addAssistant,
                                        MemorySegment buffer, int length) {
        try {
            return (int) CHAT_APPLY_TEMPLATE.invokeExact(template, messages, count, addAssistant, buffer, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The names of llama.cpp's built-in chat templates. */
    public static List<String> builtinTemplates() {
        return BUILTIN_TEMPLATES;
    }

    private static List<String> readBuiltinTemplates() {
        try (Arena arena = Arena.ofConfined()) {
            int count = (int) CHAT_BUILTIN_TEMPLATES.invokeExact(MemorySegment.NULL, 0L);
            MemorySegment names = arena.allocate(ADDRESS, Math.max(1, count));
            int again = (int) CHAT_BUILTIN_TEMPLATES.invokeExact(names, (long) count);
            List<String> result = new ArrayList<>(count);
            for (int i = 0; i < Math.min(count, again); i++) {
                result.add(names.getAtIndex(ADDRESS, i).reinterpret(Long.MAX_VALUE).getString(0));
            }
            return List.copyOf(result);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_init_from_model}: the context, or NULL. */
    public static MemorySegment initFromModel(MemorySegment model, MemorySegment params) {
        try {
            return (MemorySegment) INIT_FROM_MODEL.invokeExact(model, params);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void free(MemorySegment context) {
        try {
            FREE.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_n_ctx}, {@code llama_n_batch}, ...: what a context was really created with. */
    public static int contextValue(MemorySegment context, String name) {
        MethodHandle handle = switch (name) {
            case "n_ctx" -> N_CTX;
            case "n_batch" -> N_BATCH;
            case "n_ubatch" -> N_UBATCH;
            case "n_seq_max" -> N_SEQ_MAX;
            case "n_threads" -> N_THREADS;
            case "n_threads_batch" -> N_THREADS_BATCH;
            default -> throw new IllegalArgumentException(name);
        };
        try {
            return (int) handle.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_batch_init}, the returned struct allocated in {@code allocator}. */
    public static MemorySegment batchInit(SegmentAllocator allocator, int tokens, int embd, int seqMax) {
        try {
            return (MemorySegment) BATCH_INIT.invokeExact(allocator, tokens, embd, seqMax);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void batchFree(MemorySegment batch) {
        try {
            BATCH_FREE.invokeExact(batch);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_decode}: 0 ok, 1 no KV slot, negative error. */
    public static int decode(MemorySegment context, MemorySegment batch) {
        try {
            return (int) DECODE.invokeExact(context, batch);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_get_logits_ith}: a zero-length segment at the row, or NULL. */
    public static MemorySegment getLogitsIth(MemorySegment context, int index) {
        try {
            return (MemorySegment) GET_LOGITS_ITH.invokeExact(context, index);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static boolean kvSelfSeqRm(MemorySegment context, int sequence, int from, int to) {
        try {
            return (boolean) KV_SELF_SEQ_RM.invokeExact(context, sequence, from, to);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Schedules a KV cache defragmentation and applies it at once. */
    public static void kvSelfDefragNow(MemorySegment context) {
        try {
            KV_SELF_DEFRAG.invokeExact(context);
            KV_SELF_UPDATE.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int kvSelfUsedCells(MemorySegment context) {
        try {
            return (int) KV_SELF_USED_CELLS.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The byte offset of a field in a struct layout. */
    public static long offset(StructLayout layout, String field) {
        return layout.byteOffset(groupElement(field));
    }
}
