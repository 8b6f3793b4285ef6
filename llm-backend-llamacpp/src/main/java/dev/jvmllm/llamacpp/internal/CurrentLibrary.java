package dev.jvmllm.llamacpp.internal;

import dev.jvmllm.api.ModelLoadException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The C API of a current llama.cpp (release v0.5.0, 2026-09-28; {@code include/llama.h} of that
 * release): the KV cache behind {@code llama_get_memory} and {@code llama_memory_*}, a cache per
 * sequence ({@code kv_unified = false}) when a context holds several, the ggml backends in
 * libraries of their own next to {@code libllama} (loaded with {@code ggml_backend_load_all_from_path}),
 * and {@code llama_model_quantize}.
 */
@SuppressWarnings("restricted")
public final class CurrentLibrary extends LlamaLibrary {
    /** The {@code llama_version()} prefixes whose C API this class binds. */
    public static final List<String> SPOKEN_VERSIONS = List.of("0.5.");

    /** {@code struct llama_model_params}: 80 bytes. */
    public static final StructLayout MODEL_PARAMS = MemoryLayout.structLayout(
            ADDRESS.withName("devices"),
            ADDRESS.withName("tensor_buft_overrides"),
            JAVA_INT.withName("n_gpu_layers"),
            JAVA_INT.withName("split_mode"),
            JAVA_INT.withName("load_mode"),
            JAVA_INT.withName("lazy_mode"),
            JAVA_INT.withName("main_gpu"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("tensor_split"),
            ADDRESS.withName("progress_callback"),
            ADDRESS.withName("progress_callback_user_data"),
            ADDRESS.withName("kv_overrides"),
            JAVA_BOOLEAN.withName("vocab_only"),
            JAVA_BOOLEAN.withName("check_tensors"),
            JAVA_BOOLEAN.withName("use_extra_bufts"),
            JAVA_BOOLEAN.withName("no_host"),
            JAVA_BOOLEAN.withName("no_alloc"),
            JAVA_BOOLEAN.withName("load_mtp"),
            MemoryLayout.paddingLayout(2)).withName("llama_model_params");

    /** {@code struct llama_context_params}: 160 bytes. */
    public static final StructLayout CONTEXT_PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("n_ctx"),
            JAVA_INT.withName("n_batch"),
            JAVA_INT.withName("n_ubatch"),
            JAVA_INT.withName("n_seq_max"),
            JAVA_INT.withName("n_rs_seq"),
            JAVA_INT.withName("n_outputs_max"),
            JAVA_INT.withName("n_outputs_max_per_seq"),
            JAVA_INT.withName("n_threads"),
            JAVA_INT.withName("n_threads_batch"),
            JAVA_INT.withName("ctx_type"),
            JAVA_INT.withName("rope_scaling_type"),
            JAVA_INT.withName("pooling_type"),
            JAVA_INT.withName("attention_type"),
            JAVA_INT.withName("flash_attn_type"),
            JAVA_FLOAT.withName("rope_freq_base"),
            JAVA_FLOAT.withName("rope_freq_scale"),
            JAVA_FLOAT.withName("yarn_ext_factor"),
            JAVA_FLOAT.withName("yarn_attn_factor"),
            JAVA_FLOAT.withName("yarn_beta_fast"),
            JAVA_FLOAT.withName("yarn_beta_slow"),
            JAVA_INT.withName("yarn_orig_ctx"),
            JAVA_FLOAT.withName("defrag_thold"),
            ADDRESS.withName("cb_eval"),
            ADDRESS.withName("cb_eval_user_data"),
            JAVA_INT.withName("type_k"),
            JAVA_INT.withName("type_v"),
            ADDRESS.withName("abort_callback"),
            ADDRESS.withName("abort_callback_data"),
            JAVA_BOOLEAN.withName("embeddings"),
            JAVA_BOOLEAN.withName("offload_kqv"),
            JAVA_BOOLEAN.withName("no_perf"),
            JAVA_BOOLEAN.withName("op_offload"),
            JAVA_BOOLEAN.withName("swa_full"),
            JAVA_BOOLEAN.withName("kv_unified"),
            MemoryLayout.paddingLayout(2),
            ADDRESS.withName("samplers"),
            JAVA_LONG.withName("n_samplers"),
            ADDRESS.withName("ctx_other")).withName("llama_context_params");

    /** {@code llama_model_quantize_params}: 64 bytes; only {@code nthread} and {@code ftype} are set. */
    static final StructLayout QUANTIZE_PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("nthread"),
            JAVA_INT.withName("ftype"),
            JAVA_INT.withName("output_tensor_type"),
            JAVA_INT.withName("token_embedding_type"),
            JAVA_BOOLEAN.withName("allow_requantize"),
            JAVA_BOOLEAN.withName("quantize_output_tensor"),
            JAVA_BOOLEAN.withName("only_copy"),
            JAVA_BOOLEAN.withName("pure"),
            JAVA_BOOLEAN.withName("keep_split"),
            JAVA_BOOLEAN.withName("dry_run"),
            MemoryLayout.paddingLayout(2),
            ADDRESS.withName("imatrix"),
            ADDRESS.withName("kv_overrides"),
            ADDRESS.withName("tt_overrides"),
            ADDRESS.withName("prune_layers"),
            JAVA_LONG.withName("max_buf_size")).withName("llama_model_quantize_params");

    private static final int NO_KV_SLOT = 1;

    private final MethodHandle getMemory;
    private final MethodHandle memorySeqRm;
    private final MethodHandle memorySeqCp;
    private final MethodHandle memoryClear;
    private final MethodHandle memorySeqPosMin;
    private final MethodHandle modelNSwa;
    private final MethodHandle modelNEmbdOut;
    private final MethodHandle quantizeDefaultParams;
    private final MethodHandle modelQuantize;

    CurrentLibrary(Path path, SymbolLookup symbols, String version) {
        super(path, symbols, version);
        getMemory = bind("llama_get_memory", FunctionDescriptor.of(ADDRESS, ADDRESS));
        memorySeqRm = bind("llama_memory_seq_rm", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
        memorySeqCp = bind("llama_memory_seq_cp", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        memoryClear = bind(MEMORY_CLEAR, FunctionDescriptor.ofVoid(ADDRESS, JAVA_BOOLEAN));
        memorySeqPosMin = bind("llama_memory_seq_pos_min", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        modelNSwa = bind("llama_model_n_swa", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        modelNEmbdOut = bind("llama_model_n_embd_out", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        quantizeDefaultParams = bind("llama_model_quantize_default_params", FunctionDescriptor.of(QUANTIZE_PARAMS));
        modelQuantize = bind("llama_model_quantize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    }

    static boolean speaks(String version) {
        return SPOKEN_VERSIONS.stream().anyMatch(version::startsWith);
    }

    @Override
    public String api() {
        return "0.5";
    }

    /**
     * {@code ggml_backend_load_all_from_path(<the library's directory>)}: loads the CPU backend
     * variant that fits this processor (and any GPU backend) from next to {@code libllama}; a
     * build with its backends linked in finds nothing to load. A library left with no device is
     * refused: it could not run a model.
     */
    @Override
    void loadBackends() {
        Optional<MethodHandle> loadAll = bindIfPresent("ggml_backend_load_all_from_path", FunctionDescriptor.ofVoid(ADDRESS));
        Optional<MethodHandle> deviceCount = bindIfPresent("ggml_backend_dev_count", FunctionDescriptor.of(JAVA_LONG));
        try (Arena arena = Arena.ofConfined()) {
            if (loadAll.isPresent()) {
                loadAll.get().invokeExact(arena.allocateFrom(path().toAbsolutePath().getParent().toString()));
            }
            if (deviceCount.isPresent() && (long) deviceCount.get().invokeExact() == 0) {
                throw new ModelLoadException("llama.cpp " + version() + " (" + path() + ") found no ggml backend:"
                        + " the CPU backend (libggml-cpu*) must be in the same directory");
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Fields that tell this layout from its neighbours: {@code n_seq_max} at 12, {@code type_k} and
     * {@code type_v} (F16 = 1) at 104/108, the booleans {@code offload_kqv, no_perf, op_offload,
     * swa_full, kv_unified} = 1 1 1 1 0 at 129..133, and of the model parameters
     * {@code split_mode} = 1 at 20 and {@code use_extra_bufts} = 1 at 74.
     */
    @Override
    void checkDefaults() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment context = defaultContextParams(arena);
            MemorySegment model = defaultModelParams(arena);
            boolean fits = context.get(JAVA_INT, 0) == 512 && context.get(JAVA_INT, 12) == 1
                    && context.get(JAVA_INT, 104) == 1 && context.get(JAVA_INT, 108) == 1
                    && context.get(JAVA_BYTE, 129) == 1 && context.get(JAVA_BYTE, 130) == 1
                    && context.get(JAVA_BYTE, 131) == 1 && context.get(JAVA_BYTE, 132) == 1
                    && context.get(JAVA_BYTE, 133) == 0
                    && model.get(JAVA_INT, 20) == 1 && model.get(JAVA_BYTE, 74) == 1;
            if (!fits) {
                throw new ModelLoadException("llama.cpp " + version() + " (" + path() + ") has parameter structs whose"
                        + " layout differs from that of llama.cpp v0.5.0; this build cannot use it safely");
            }
        }
    }

    @Override
    public StructLayout modelParamsLayout() {
        return MODEL_PARAMS;
    }

    @Override
    public StructLayout contextParamsLayout() {
        return CONTEXT_PARAMS;
    }

    /**
     * Also {@code kv_unified = false}: each sequence attends only over its own cells, which is what
     * a batch of unrelated requests needs (with a unified cache every token of an 8-sequence batch
     * attends over all 8 sequences' cells).
     */
    @Override
    public MemorySegment contextParams(SegmentAllocator allocator, ContextSettings settings) {
        MemorySegment params = super.contextParams(allocator, settings);
        params.set(JAVA_BOOLEAN, offset(CONTEXT_PARAMS, "kv_unified"), false);
        return params;
    }

    /**
     * {@code kv_unified = true}: with a cache per sequence each of them would get only
     * {@code n_ctx / n_seq_max} cells, too few for one long input. Flash attention is this
     * library's default choice, on for the CPU; its kernel for 64 tokens or more of a pass adds up
     * in tiles of 64 cells, in another order than the one for fewer tokens, so an input's vector
     * can differ by rounding between a pass with others and alone.
     */
    @Override
    public MemorySegment embeddingContextParams(SegmentAllocator allocator, ContextSettings settings, int pooling) {
        MemorySegment params = super.embeddingContextParams(allocator, settings, pooling);
        params.set(JAVA_BOOLEAN, offset(CONTEXT_PARAMS, "kv_unified"), true);
        return params;
    }

    @Override
    public boolean canMeanPool() {
        return true;
    }

    /**
     * A model with a sliding window ({@code llama_model_n_swa > 0}, such as Gemma 3) keeps only
     * about a window of cells in its sliding-window layers: the cut must leave a whole window of
     * cells before it, from the oldest position the sequence still holds
     * ({@code llama_memory_seq_pos_min}), as llama-server checks before it reuses a slot's cache.
     */
    @Override
    public boolean canKeepPrefix(MemorySegment memory, MemorySegment model, int sequence, int length) {
        try {
            int window = (int) modelNSwa.invokeExact(model);
            if (window <= 0) {
                return true;
            }
            int oldest = (int) memorySeqPosMin.invokeExact(memory, sequence);
            return oldest <= Math.max(0, length - window);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_memory_clear(memory, true)}: the data too, not only the cells' metadata. */
    @Override
    public void clearMemory(MemorySegment memory) {
        try {
            memoryClear.invokeExact(memory, true);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int embeddingLength(MemorySegment model) {
        try {
            return (int) modelNEmbdOut.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public boolean unifiedKvCache() {
        return false;
    }

    @Override
    public MemorySegment memory(MemorySegment context) {
        try {
            return (MemorySegment) getMemory.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public boolean seqRm(MemorySegment memory, int sequence, int from, int to) {
        try {
            return (boolean) memorySeqRm.invokeExact(memory, sequence, from, to);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Each sequence has a cache of its own here, so llama.cpp copies the source's whole stream
     * (every cell of a context's worth, not only those in use) during the next decode. The
     * positions must be -1, -1: a partial copy between streams is an assertion, i.e. an abort.
     */
    @Override
    public void seqCp(MemorySegment memory, int source, int target) {
        try {
            memorySeqCp.invokeExact(memory, source, target, -1, -1);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public Optional<Integer> usedCells(MemorySegment context) {
        return Optional.empty();
    }

    /** The current KV cache places a micro-batch in any free cells; no compaction makes more room. */
    @Override
    public boolean compactingMayHelp(int decodeResult) {
        return false;
    }

    @Override
    public void compact(MemorySegment context) {
        // cells need not be contiguous
    }

    @Override
    public boolean isNoRoom(int decodeResult) {
        return decodeResult == NO_KV_SLOT;
    }

    @Override
    public Optional<Quantizer> quantizer() {
        return Optional.of((input, output, fileType, threads) -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment params = (MemorySegment) quantizeDefaultParams.invokeExact((SegmentAllocator) arena);
                params.set(JAVA_INT, offset(QUANTIZE_PARAMS, "nthread"), threads);
                params.set(JAVA_INT, offset(QUANTIZE_PARAMS, "ftype"), fileType);
                return (int) modelQuantize.invokeExact(input, output, params);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        });
    }
}
