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
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The C API of llama.cpp b4916, the library inside {@code de.kherud:llama} 4.2.0 (layouts from
 * {@code llama-cpp-abi.md}): one unified KV cache addressed through the context
 * ({@code llama_kv_self_*}), CPU backend and OpenMP built into the one library, no
 * {@code llama_model_quantize}.
 */
@SuppressWarnings("restricted")
public final class B4916Library extends LlamaLibrary {
    /** The name of this C API, and the version its libraries report (they have no {@code llama_version}). */
    static final String API_NAME = "b4916";

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

    /** What b4916 really returns when no run of free cells fits a micro-batch (besides the documented 1). */
    private static final int NO_UBATCH_SLOT = -3;
    private static final int NO_KV_SLOT = 1;

    private final MethodHandle kvSelfSeqRm;
    private final MethodHandle kvSelfSeqCp;
    private final MethodHandle kvSelfDefrag;
    private final MethodHandle kvSelfUpdate;
    private final MethodHandle kvSelfUsedCells;
    private final MethodHandle kvSelfClear;
    private final MethodHandle modelNEmbd;

    B4916Library(Path path, SymbolLookup symbols) {
        super(path, symbols, API_NAME);
        kvSelfSeqRm = bind("llama_kv_self_seq_rm", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
        kvSelfSeqCp = bind("llama_kv_self_seq_cp", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        kvSelfDefrag = bind("llama_kv_self_defrag", FunctionDescriptor.ofVoid(ADDRESS));
        kvSelfUpdate = bind("llama_kv_self_update", FunctionDescriptor.ofVoid(ADDRESS));
        kvSelfUsedCells = bind("llama_kv_self_used_cells", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        kvSelfClear = bind("llama_kv_self_clear", FunctionDescriptor.ofVoid(ADDRESS));
        modelNEmbd = bind("llama_model_n_embd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    @Override
    public String api() {
        return API_NAME;
    }

    @Override
    void loadBackends() {
        // the CPU backend is part of the library
    }

    /**
     * Fields that moved in later releases: the booleans at 96..100 ({@code logits_all, embeddings,
     * offload_kqv, flash_attn, no_perf} = 0 0 1 0 1 here), {@code type_k}/{@code type_v} (F16 = 1)
     * at 88/92, and {@code use_mmap} at 57 of the model parameters.
     */
    @Override
    void checkDefaults() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment context = defaultContextParams(arena);
            MemorySegment model = defaultModelParams(arena);
            boolean fits = context.get(JAVA_INT, 0) == 512 && context.get(JAVA_INT, 12) == 1
                    && context.get(JAVA_INT, 88) == 1 && context.get(JAVA_INT, 92) == 1
                    && context.get(JAVA_BYTE, 96) == 0 && context.get(JAVA_BYTE, 97) == 0 && context.get(JAVA_BYTE, 98) == 1
                    && context.get(JAVA_BYTE, 99) == 0 && context.get(JAVA_BYTE, 100) == 1
                    && model.get(JAVA_INT, 12) == 1 && model.get(JAVA_BYTE, 57) == 1;
            if (!fits) {
                throw new ModelLoadException(path() + " exports the b4916 C API's functions, but its parameter structs"
                        + " do not have b4916's layout; use the bundled library or a current llama.cpp ("
                        + CurrentLibrary.SPOKEN_VERSIONS + ")");
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

    /** Also {@code use_mmap}: the weights are mapped, not read (the default, set so that it stays one). */
    @Override
    public MemorySegment modelParams(SegmentAllocator allocator, int gpuLayers) {
        MemorySegment params = super.modelParams(allocator, gpuLayers);
        params.set(JAVA_BOOLEAN, offset(MODEL_PARAMS, "use_mmap"), true);
        return params;
    }

    @Override
    public boolean unifiedKvCache() {
        return true;
    }

    @Override
    public MemorySegment memory(MemorySegment context) {
        return context;
    }

    @Override
    public boolean seqRm(MemorySegment memory, int sequence, int from, int to) {
        try {
            return (boolean) kvSelfSeqRm.invokeExact(memory, sequence, from, to);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void seqCp(MemorySegment memory, int source, int target) {
        try {
            kvSelfSeqCp.invokeExact(memory, source, target, -1, -1);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code flash_attn = true}: its kernel skips the masked cells, so a token's attention adds up
     * its own sequence's cells in the same order whatever else the cache holds, and an input comes
     * out of a pass with others exactly as it does alone (without it, rounding apart); it also
     * needs no attention matrix of a whole pass.
     */
    @Override
    public MemorySegment embeddingContextParams(SegmentAllocator allocator, ContextSettings settings, int pooling) {
        MemorySegment params = super.embeddingContextParams(allocator, settings, pooling);
        params.set(JAVA_BOOLEAN, offset(CONTEXT_PARAMS, "flash_attn"), true);
        return params;
    }

    /** Always: b4916 keeps every cell of a sliding-window model and masks the window in attention. */
    @Override
    public boolean canKeepPrefix(MemorySegment memory, MemorySegment model, int sequence, int length) {
        return true;
    }

    /** No: see {@link LlamaLibrary#canMeanPool()}. */
    @Override
    public boolean canMeanPool() {
        return false;
    }

    @Override
    public void clearMemory(MemorySegment memory) {
        try {
            kvSelfClear.invokeExact(memory);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int embeddingLength(MemorySegment model) {
        try {
            return (int) modelNEmbd.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public Optional<Integer> usedCells(MemorySegment context) {
        try {
            return Optional.of((int) kvSelfUsedCells.invokeExact(context));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public boolean compactingMayHelp(int decodeResult) {
        return isNoRoom(decodeResult);
    }

    @Override
    public void compact(MemorySegment context) {
        try {
            kvSelfDefrag.invokeExact(context);
            kvSelfUpdate.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public boolean isNoRoom(int decodeResult) {
        return decodeResult == NO_KV_SLOT || decodeResult == NO_UBATCH_SLOT;
    }

    @Override
    public Optional<Quantizer> quantizer() {
        return Optional.empty();
    }

    /**
     * One: OpenMP's two threads on one token's pass were unreliable here (SmolLM2 one stream:
     * 41-100 tokens/s on two threads from run to run, 79-86 on one), while passes over batches
     * gain from more (see docs/benchmarks.md#threads).
     */
    @Override
    public int defaultDecodeThreads(long weightBytes, int processors) {
        return 1;
    }
}
