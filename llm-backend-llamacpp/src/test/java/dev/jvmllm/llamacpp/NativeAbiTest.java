package dev.jvmllm.llamacpp;

import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.llamacpp.internal.B4916Library;
import dev.jvmllm.llamacpp.internal.CurrentLibrary;
import dev.jvmllm.llamacpp.internal.LlamaLibraries;
import dev.jvmllm.llamacpp.internal.LlamaLibrary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.nio.file.Path;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Re-checks the struct layouts of both C APIs (llama-cpp-abi.md, and llama.h of llama.cpp v0.5.0)
 * against the native libraries, field by field, so that a library upgrade that moves a field
 * fails here instead of corrupting memory.
 */
@SuppressWarnings("restricted")
class NativeAbiTest {
    @TempDir
    Path dir;

    private static long at(StructLayout layout, String field) {
        return LlamaLibrary.offset(layout, field);
    }

    private static LlamaLibrary library(String name) {
        return LlamaLibraries.get(Optional.of(Libraries.choice(name)));
    }

    @Test
    void b4916Layouts() {
        assertThat(B4916Library.MODEL_PARAMS.byteSize()).isEqualTo(64);
        assertThat(B4916Library.CONTEXT_PARAMS.byteSize()).isEqualTo(120);
        StructLayout m = B4916Library.MODEL_PARAMS;
        assertThat(new long[] {at(m, "devices"), at(m, "n_gpu_layers"), at(m, "split_mode"), at(m, "main_gpu"),
                at(m, "tensor_split"), at(m, "progress_callback"), at(m, "progress_callback_user_data"),
                at(m, "kv_overrides"), at(m, "vocab_only"), at(m, "use_mmap"), at(m, "use_mlock"), at(m, "check_tensors")})
                .containsExactly(0, 8, 12, 16, 24, 32, 40, 48, 56, 57, 58, 59);
        StructLayout c = B4916Library.CONTEXT_PARAMS;
        assertThat(new long[] {at(c, "n_ctx"), at(c, "n_batch"), at(c, "n_ubatch"), at(c, "n_seq_max"), at(c, "n_threads"),
                at(c, "n_threads_batch"), at(c, "rope_scaling_type"), at(c, "pooling_type"), at(c, "attention_type"),
                at(c, "rope_freq_base"), at(c, "yarn_orig_ctx"), at(c, "defrag_thold"), at(c, "cb_eval"),
                at(c, "cb_eval_user_data"), at(c, "type_k"), at(c, "type_v"), at(c, "logits_all"), at(c, "embeddings"),
                at(c, "offload_kqv"), at(c, "flash_attn"), at(c, "no_perf"), at(c, "abort_callback"),
                at(c, "abort_callback_data")})
                .containsExactly(0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 60, 64, 72, 80, 88, 92, 96, 97, 98, 99, 100, 104, 112);
    }

    @Test
    void currentLayouts() {
        assertThat(CurrentLibrary.MODEL_PARAMS.byteSize()).isEqualTo(80);
        assertThat(CurrentLibrary.CONTEXT_PARAMS.byteSize()).isEqualTo(160);
        StructLayout m = CurrentLibrary.MODEL_PARAMS;
        assertThat(new long[] {at(m, "devices"), at(m, "tensor_buft_overrides"), at(m, "n_gpu_layers"), at(m, "split_mode"),
                at(m, "load_mode"), at(m, "lazy_mode"), at(m, "main_gpu"), at(m, "tensor_split"), at(m, "progress_callback"),
                at(m, "progress_callback_user_data"), at(m, "kv_overrides"), at(m, "vocab_only"), at(m, "check_tensors"),
                at(m, "use_extra_bufts"), at(m, "no_host"), at(m, "no_alloc"), at(m, "load_mtp")})
                .containsExactly(0, 8, 16, 20, 24, 28, 32, 40, 48, 56, 64, 72, 73, 74, 75, 76, 77);
        StructLayout c = CurrentLibrary.CONTEXT_PARAMS;
        assertThat(new long[] {at(c, "n_ctx"), at(c, "n_batch"), at(c, "n_ubatch"), at(c, "n_seq_max"), at(c, "n_rs_seq"),
                at(c, "n_outputs_max"), at(c, "n_outputs_max_per_seq"), at(c, "n_threads"), at(c, "n_threads_batch"),
                at(c, "ctx_type"), at(c, "rope_scaling_type"), at(c, "pooling_type"), at(c, "attention_type"),
                at(c, "flash_attn_type"), at(c, "rope_freq_base"), at(c, "yarn_orig_ctx"), at(c, "defrag_thold"),
                at(c, "cb_eval"), at(c, "cb_eval_user_data"), at(c, "type_k"), at(c, "type_v"), at(c, "abort_callback"),
                at(c, "abort_callback_data"), at(c, "embeddings"), at(c, "offload_kqv"), at(c, "no_perf"),
                at(c, "op_offload"), at(c, "swa_full"), at(c, "kv_unified"), at(c, "samplers"), at(c, "n_samplers"),
                at(c, "ctx_other")})
                .containsExactly(0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 80, 84, 88, 96, 104, 108, 112,
                        120, 128, 129, 130, 131, 132, 133, 136, 144, 152);
    }

    @Test
    void batchLayout() {
        assertThat(LlamaLibrary.BATCH.byteSize()).isEqualTo(56);
        StructLayout b = LlamaLibrary.BATCH;
        assertThat(new long[] {at(b, "n_tokens"), at(b, "token"), at(b, "embd"), at(b, "pos"), at(b, "n_seq_id"),
                at(b, "seq_id"), at(b, "logits")}).containsExactly(0, 8, 16, 24, 32, 40, 48);
    }

    @Test
    void b4916Defaults() {
        LlamaLibrary library = library(Libraries.BUNDLED);
        assertThat(library).isInstanceOf(B4916Library.class);
        assertThat(library.version()).isEqualTo("b4916");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = library.modelParams(arena, 0);
            StructLayout m = B4916Library.MODEL_PARAMS;
            assertThat(p.get(ADDRESS, at(m, "devices"))).isEqualTo(MemorySegment.NULL);
            assertThat(p.get(JAVA_INT, at(m, "n_gpu_layers"))).isZero();
            assertThat(p.get(JAVA_INT, at(m, "split_mode"))).isEqualTo(1);
            assertThat(p.get(JAVA_INT, at(m, "main_gpu"))).isZero();
            assertThat(p.get(ADDRESS, at(m, "tensor_split"))).isEqualTo(MemorySegment.NULL);
            assertThat(p.get(ADDRESS, at(m, "progress_callback"))).isEqualTo(MemorySegment.NULL);
            assertThat(p.get(ADDRESS, at(m, "kv_overrides"))).isEqualTo(MemorySegment.NULL);
            assertThat(p.get(JAVA_BOOLEAN, at(m, "vocab_only"))).isFalse();
            assertThat(p.get(JAVA_BOOLEAN, at(m, "use_mmap"))).isTrue();
            assertThat(p.get(JAVA_BOOLEAN, at(m, "use_mlock"))).isFalse();
            assertThat(p.get(JAVA_BOOLEAN, at(m, "check_tensors"))).isFalse();

            MemorySegment c = library.contextParams(arena, new LlamaLibrary.ContextSettings(1024, 256, 128, 3, 2, 1));
            StructLayout l = B4916Library.CONTEXT_PARAMS;
            assertThat(new int[] {c.get(JAVA_INT, at(l, "n_ctx")), c.get(JAVA_INT, at(l, "n_batch")),
                    c.get(JAVA_INT, at(l, "n_ubatch")), c.get(JAVA_INT, at(l, "n_seq_max")),
                    c.get(JAVA_INT, at(l, "n_threads")), c.get(JAVA_INT, at(l, "n_threads_batch"))})
                    .containsExactly(1024, 256, 128, 3, 1, 2);
            assertThat(c.get(JAVA_INT, at(l, "rope_scaling_type"))).isEqualTo(-1);
            assertThat(c.get(JAVA_INT, at(l, "pooling_type"))).isEqualTo(-1);
            assertThat(c.get(JAVA_INT, at(l, "attention_type"))).isEqualTo(-1);
            assertThat(c.get(JAVA_FLOAT, at(l, "rope_freq_base"))).isEqualTo(0f);
            assertThat(c.get(JAVA_FLOAT, at(l, "yarn_ext_factor"))).isEqualTo(-1f);
            assertThat(c.get(JAVA_FLOAT, at(l, "yarn_attn_factor"))).isEqualTo(1f);
            assertThat(c.get(JAVA_FLOAT, at(l, "yarn_beta_fast"))).isEqualTo(32f);
            assertThat(c.get(JAVA_FLOAT, at(l, "yarn_beta_slow"))).isEqualTo(1f);
            assertThat(c.get(JAVA_INT, at(l, "yarn_orig_ctx"))).isZero();
            assertThat(c.get(JAVA_FLOAT, at(l, "defrag_thold"))).isEqualTo(-1f);
            assertThat(c.get(ADDRESS, at(l, "cb_eval"))).isEqualTo(MemorySegment.NULL);
            assertThat(c.get(JAVA_INT, at(l, "type_k"))).isEqualTo(1);
            assertThat(c.get(JAVA_INT, at(l, "type_v"))).isEqualTo(1);
            assertThat(c.get(JAVA_BOOLEAN, at(l, "logits_all"))).isFalse();
            assertThat(c.get(JAVA_BOOLEAN, at(l, "embeddings"))).isFalse();
            assertThat(c.get(JAVA_BOOLEAN, at(l, "offload_kqv"))).isTrue();
            assertThat(c.get(JAVA_BOOLEAN, at(l, "flash_attn"))).isFalse();
            assertThat(c.get(JAVA_BOOLEAN, at(l, "no_perf"))).isTrue();
            assertThat(c.get(ADDRESS, at(l, "abort_callback"))).isEqualTo(MemorySegment.NULL);
        }
    }

    /** The current defaults as llama.h of v0.5.0 describes them (-1 for "from the model" where b4916 had numbers). */
    @Test
    void currentDefaults() {
        LlamaLibrary library = library(Libraries.CURRENT);
        assertThat(library).isInstanceOf(CurrentLibrary.class);
        assertThat(library.version()).startsWith("0.5.");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = library.modelParams(arena, 7);
            StructLayout m = CurrentLibrary.MODEL_PARAMS;
            assertThat(p.get(ADDRESS, at(m, "devices"))).isEqualTo(MemorySegment.NULL);
            assertThat(p.get(ADDRESS, at(m, "tensor_buft_overrides"))).isEqualTo(MemorySegment.NULL);
            assertThat(p.get(JAVA_INT, at(m, "n_gpu_layers"))).isEqualTo(7);
            assertThat(p.get(JAVA_INT, at(m, "split_mode"))).isEqualTo(1);
            assertThat(p.get(JAVA_INT, at(m, "load_mode"))).isEqualTo(-1);
            assertThat(p.get(JAVA_INT, at(m, "lazy_mode"))).isEqualTo(1);
            assertThat(p.get(JAVA_INT, at(m, "main_gpu"))).isZero();
            assertThat(p.get(ADDRESS, at(m, "tensor_split"))).isEqualTo(MemorySegment.NULL);
            assertThat(p.get(ADDRESS, at(m, "kv_overrides"))).isEqualTo(MemorySegment.NULL);
            assertThat(p.get(JAVA_BOOLEAN, at(m, "vocab_only"))).isFalse();
            assertThat(p.get(JAVA_BOOLEAN, at(m, "check_tensors"))).isFalse();
            assertThat(p.get(JAVA_BOOLEAN, at(m, "use_extra_bufts"))).isTrue();
            assertThat(p.get(JAVA_BOOLEAN, at(m, "no_host"))).isFalse();
            assertThat(p.get(JAVA_BOOLEAN, at(m, "no_alloc"))).isFalse();
            assertThat(p.get(JAVA_BOOLEAN, at(m, "load_mtp"))).isFalse();

            MemorySegment c = library.contextParams(arena, new LlamaLibrary.ContextSettings(1024, 256, 128, 3, 2, 1));
            StructLayout l = CurrentLibrary.CONTEXT_PARAMS;
            assertThat(new int[] {c.get(JAVA_INT, at(l, "n_ctx")), c.get(JAVA_INT, at(l, "n_batch")),
                    c.get(JAVA_INT, at(l, "n_ubatch")), c.get(JAVA_INT, at(l, "n_seq_max")),
                    c.get(JAVA_INT, at(l, "n_threads")), c.get(JAVA_INT, at(l, "n_threads_batch"))})
                    .containsExactly(1024, 256, 128, 3, 1, 2);
            assertThat(c.get(JAVA_INT, at(l, "n_rs_seq"))).isZero();
            assertThat(c.get(JAVA_INT, at(l, "n_outputs_max"))).isZero();
            assertThat(c.get(JAVA_INT, at(l, "n_outputs_max_per_seq"))).isEqualTo(1);
            assertThat(c.get(JAVA_INT, at(l, "ctx_type"))).isZero();
            assertThat(c.get(JAVA_INT, at(l, "rope_scaling_type"))).isEqualTo(-1);
            assertThat(c.get(JAVA_INT, at(l, "pooling_type"))).isEqualTo(-1);
            assertThat(c.get(JAVA_INT, at(l, "attention_type"))).isEqualTo(-1);
            assertThat(c.get(JAVA_INT, at(l, "flash_attn_type"))).isEqualTo(-1);
            assertThat(c.get(JAVA_FLOAT, at(l, "rope_freq_base"))).isEqualTo(0f);
            assertThat(c.get(JAVA_FLOAT, at(l, "yarn_ext_factor"))).isEqualTo(-1f);
            assertThat(c.get(JAVA_FLOAT, at(l, "yarn_attn_factor"))).isEqualTo(-1f);
            assertThat(c.get(JAVA_FLOAT, at(l, "yarn_beta_fast"))).isEqualTo(-1f);
            assertThat(c.get(JAVA_FLOAT, at(l, "yarn_beta_slow"))).isEqualTo(-1f);
            assertThat(c.get(JAVA_INT, at(l, "yarn_orig_ctx"))).isZero();
            assertThat(c.get(JAVA_FLOAT, at(l, "defrag_thold"))).isEqualTo(-1f);
            assertThat(c.get(ADDRESS, at(l, "cb_eval"))).isEqualTo(MemorySegment.NULL);
            assertThat(c.get(JAVA_INT, at(l, "type_k"))).isEqualTo(1);
            assertThat(c.get(JAVA_INT, at(l, "type_v"))).isEqualTo(1);
            assertThat(c.get(ADDRESS, at(l, "abort_callback"))).isEqualTo(MemorySegment.NULL);
            assertThat(c.get(JAVA_BOOLEAN, at(l, "embeddings"))).isFalse();
            assertThat(c.get(JAVA_BOOLEAN, at(l, "offload_kqv"))).isTrue();
            assertThat(c.get(JAVA_BOOLEAN, at(l, "no_perf"))).isTrue();
            assertThat(c.get(JAVA_BOOLEAN, at(l, "op_offload"))).isTrue();
            assertThat(c.get(JAVA_BOOLEAN, at(l, "swa_full"))).isTrue();
            // false by default, and set false by us: one KV stream per sequence
            assertThat(c.get(JAVA_BOOLEAN, at(l, "kv_unified"))).isFalse();
            assertThat(c.get(ADDRESS, at(l, "samplers"))).isEqualTo(MemorySegment.NULL);
            assertThat(c.get(JAVA_LONG, at(l, "n_samplers"))).isZero();
            assertThat(c.get(ADDRESS, at(l, "ctx_other"))).isEqualTo(MemorySegment.NULL);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Libraries.BUNDLED, Libraries.CURRENT})
    void batchInitLayout(String name) {
        LlamaLibrary library = library(name);
        try (Arena arena = Arena.ofConfined()) {
            StructLayout b = LlamaLibrary.BATCH;
            MemorySegment tokens = library.batchInit(arena, 4, 0, 2);
            assertThat(tokens.get(JAVA_INT, at(b, "n_tokens"))).isZero();
            assertThat(tokens.get(ADDRESS, at(b, "token"))).isNotEqualTo(MemorySegment.NULL);
            assertThat(tokens.get(ADDRESS, at(b, "embd"))).isEqualTo(MemorySegment.NULL);
            assertThat(tokens.get(ADDRESS, at(b, "pos"))).isNotEqualTo(MemorySegment.NULL);
            assertThat(tokens.get(ADDRESS, at(b, "n_seq_id"))).isNotEqualTo(MemorySegment.NULL);
            assertThat(tokens.get(ADDRESS, at(b, "logits"))).isNotEqualTo(MemorySegment.NULL);
            MemorySegment seqIds = tokens.get(ADDRESS, at(b, "seq_id")).reinterpret(5 * ADDRESS.byteSize());
            for (int i = 0; i < 4; i++) {
                assertThat(seqIds.getAtIndex(ADDRESS, i)).isNotEqualTo(MemorySegment.NULL);
            }
            // llama_batch_init ends the seq_id array with a NULL, which llama_batch_free walks to
            assertThat(seqIds.getAtIndex(ADDRESS, 4)).isEqualTo(MemorySegment.NULL);
            library.batchFree(tokens);

            MemorySegment embeddings = library.batchInit(arena, 4, 8, 1);
            assertThat(embeddings.get(ADDRESS, at(b, "token"))).isEqualTo(MemorySegment.NULL);
            assertThat(embeddings.get(ADDRESS, at(b, "embd"))).isNotEqualTo(MemorySegment.NULL);
            library.batchFree(embeddings);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Libraries.BUNDLED, Libraries.CURRENT})
    void theContextGetsTheParametersWeSet(String library) {
        try (Model model = Libraries.open(TestModels.random(dir), library);
             LlamaCppBatchProcessor processor = (LlamaCppBatchProcessor) model.newBatchProcessor(
                     new ProcessorOptions(3, 100, 700, 2))) {
            // b4916 rounds n_ctx up to a multiple of 32 (without flash attention); the current one each
            // sequence's share of it to a multiple of 256
            assertThat(processor.nativeParameter("n_ctx")).isEqualTo(library.equals(Libraries.BUNDLED) ? 320 : 768);
            // llama.cpp caps n_batch at n_ctx (before rounding): no valid batch is larger
            assertThat(processor.nativeParameter("n_batch")).isEqualTo(300);
            assertThat(processor.nativeParameter("n_ubatch")).isEqualTo(300);
            assertThat(processor.nativeParameter("n_seq_max")).isEqualTo(3);
            assertThat(processor.nativeParameter("n_threads")).isEqualTo(2);
            assertThat(processor.nativeParameter("n_threads_batch")).isEqualTo(2);
            assertThat(processor.options()).isEqualTo(new ProcessorOptions(3, 100, 700, 2));
        }
        try (Model model = Libraries.open(TestModels.random(dir), library);
             LlamaCppBatchProcessor processor = (LlamaCppBatchProcessor) model.newBatchProcessor(
                     new ProcessorOptions(2, 1000, 1500, 1))) {
            assertThat(processor.nativeParameter("n_ctx")).isEqualTo(library.equals(Libraries.BUNDLED) ? 2016 : 2048);
            assertThat(processor.nativeParameter("n_batch")).isEqualTo(1500);
            assertThat(processor.nativeParameter("n_ubatch")).isEqualTo(512);
            assertThat(processor.options()).isEqualTo(new ProcessorOptions(2, 1000, 1500, 1));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Libraries.BUNDLED, Libraries.CURRENT})
    void contextSizeZeroMeansTheTrainedContext(String library) {
        try (Model model = Libraries.open(TestModels.random(dir), library);
             LlamaCppBatchProcessor processor = (LlamaCppBatchProcessor) model.newBatchProcessor(
                     ProcessorOptions.defaults())) {
            assertThat(model.info().trainedContextLength()).isEqualTo(256);
            assertThat(processor.options().contextSize()).isEqualTo(256);
            assertThat(processor.nativeParameter("n_ctx")).isEqualTo(256);
            // a model this small runs on one thread unless told otherwise
            assertThat(model.info().defaultThreads()).isEqualTo(1);
            assertThat(processor.nativeParameter("n_threads")).isEqualTo(1);
            assertThat(processor.nativeParameter("n_threads_batch")).isEqualTo(1);
        }
    }
}
