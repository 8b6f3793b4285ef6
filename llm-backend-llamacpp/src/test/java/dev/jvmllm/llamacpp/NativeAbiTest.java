package dev.jvmllm.llamacpp;

import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.llamacpp.internal.LlamaNative;
import dev.jvmllm.llamacpp.internal.NativeLibrary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Re-checks the struct layouts of llama-cpp-abi.md against the native library, field by field,
 * so that a library upgrade that moves a field fails here instead of corrupting memory.
 */
@SuppressWarnings("restricted")
class NativeAbiTest {
    @TempDir
    Path dir;

    private static long at(StructLayout layout, String field) {
        return LlamaNative.offset(layout, field);
    }

    @Test
    void structSizesAndOffsets() {
        assertThat(LlamaNative.MODEL_PARAMS.byteSize()).isEqualTo(64);
        assertThat(LlamaNative.CONTEXT_PARAMS.byteSize()).isEqualTo(120);
        assertThat(LlamaNative.BATCH.byteSize()).isEqualTo(56);
        assertThat(LlamaNative.CHAT_MESSAGE.byteSize()).isEqualTo(16);

        StructLayout m = LlamaNative.MODEL_PARAMS;
        assertThat(new long[] {at(m, "devices"), at(m, "n_gpu_layers"), at(m, "split_mode"), at(m, "main_gpu"),
                at(m, "tensor_split"), at(m, "progress_callback"), at(m, "progress_callback_user_data"),
                at(m, "kv_overrides"), at(m, "vocab_only"), at(m, "use_mmap"), at(m, "use_mlock"), at(m, "check_tensors")})
                .containsExactly(0, 8, 12, 16, 24, 32, 40, 48, 56, 57, 58, 59);
        StructLayout c = LlamaNative.CONTEXT_PARAMS;
        assertThat(new long[] {at(c, "n_ctx"), at(c, "n_batch"), at(c, "n_ubatch"), at(c, "n_seq_max"), at(c, "n_threads"),
                at(c, "n_threads_batch"), at(c, "rope_scaling_type"), at(c, "pooling_type"), at(c, "attention_type"),
                at(c, "rope_freq_base"), at(c, "yarn_orig_ctx"), at(c, "defrag_thold"), at(c, "cb_eval"),
                at(c, "cb_eval_user_data"), at(c, "type_k"), at(c, "type_v"), at(c, "logits_all"), at(c, "embeddings"),
                at(c, "offload_kqv"), at(c, "flash_attn"), at(c, "no_perf"), at(c, "abort_callback"),
                at(c, "abort_callback_data")})
                .containsExactly(0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 60, 64, 72, 80, 88, 92, 96, 97, 98, 99, 100, 104, 112);
        StructLayout b = LlamaNative.BATCH;
        assertThat(new long[] {at(b, "n_tokens"), at(b, "token"), at(b, "embd"), at(b, "pos"), at(b, "n_seq_id"),
                at(b, "seq_id"), at(b, "logits")}).containsExactly(0, 8, 16, 24, 32, 40, 48);
    }

    @Test
    void modelParamDefaults() {
        NativeLibrary.lookup();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = LlamaNative.modelDefaultParams(arena);
            StructLayout m = LlamaNative.MODEL_PARAMS;
            assertThat(p.get(ADDRESS, at(m, "devices"))).isEqualTo(MemorySegment.NULL);
            assertThat(p.get(JAVA_INT, at(m, "n_gpu_layers"))).isZero();
            assertThat(p.get(JAVA_INT, at(m, "split_mode"))).isEqualTo(1);
            assertThat(p.get(JAVA_INT, at(m, "main_gpu"))).isZero();
            assertThat(p.get(ADDRESS, at(m, "tensor_split"))).isEqualTo(MemorySegment.NULL);
            assertThat(p.get(ADDRESS, at(m, "progress_callback"))).isEqualTo(MemorySegment.NULL);
            assertThat(p.get(ADDRESS, at(m, "progress_callback_user_data"))).isEqualTo(MemorySegment.NULL);
            assertThat(p.get(ADDRESS, at(m, "kv_overrides"))).isEqualTo(MemorySegment.NULL);
            assertThat(p.get(JAVA_BOOLEAN, at(m, "vocab_only"))).isFalse();
            assertThat(p.get(JAVA_BOOLEAN, at(m, "use_mmap"))).isTrue();
            assertThat(p.get(JAVA_BOOLEAN, at(m, "use_mlock"))).isFalse();
            assertThat(p.get(JAVA_BOOLEAN, at(m, "check_tensors"))).isFalse();
        }
    }

    @Test
    void contextParamDefaults() {
        NativeLibrary.lookup();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = LlamaNative.contextDefaultParams(arena);
            StructLayout c = LlamaNative.CONTEXT_PARAMS;
            assertThat(p.get(JAVA_INT, at(c, "n_ctx"))).isEqualTo(512);
            assertThat(p.get(JAVA_INT, at(c, "n_batch"))).isEqualTo(2048);
            assertThat(p.get(JAVA_INT, at(c, "n_ubatch"))).isEqualTo(512);
            assertThat(p.get(JAVA_INT, at(c, "n_seq_max"))).isEqualTo(1);
            assertThat(p.get(JAVA_INT, at(c, "n_threads"))).isEqualTo(4);
            assertThat(p.get(JAVA_INT, at(c, "n_threads_batch"))).isEqualTo(4);
            assertThat(p.get(JAVA_INT, at(c, "rope_scaling_type"))).isEqualTo(-1);
            assertThat(p.get(JAVA_INT, at(c, "pooling_type"))).isEqualTo(-1);
            assertThat(p.get(JAVA_INT, at(c, "attention_type"))).isEqualTo(-1);
            assertThat(p.get(JAVA_FLOAT, at(c, "rope_freq_base"))).isEqualTo(0f);
            assertThat(p.get(JAVA_FLOAT, at(c, "rope_freq_scale"))).isEqualTo(0f);
            assertThat(p.get(JAVA_FLOAT, at(c, "yarn_ext_factor"))).isEqualTo(-1f);
            assertThat(p.get(JAVA_FLOAT, at(c, "yarn_attn_factor"))).isEqualTo(1f);
            assertThat(p.get(JAVA_FLOAT, at(c, "yarn_beta_fast"))).isEqualTo(32f);
            assertThat(p.get(JAVA_FLOAT, at(c, "yarn_beta_slow"))).isEqualTo(1f);
            assertThat(p.get(JAVA_INT, at(c, "yarn_orig_ctx"))).isZero();
            assertThat(p.get(JAVA_FLOAT, at(c, "defrag_thold"))).isEqualTo(-1f);
            assertThat(p.get(ADDRESS, at(c, "cb_eval"))).isEqualTo(MemorySegment.NULL);
            assertThat(p.get(ADDRESS, at(c, "cb_eval_user_data"))).isEqualTo(MemorySegment.NULL);
            assertThat(p.get(JAVA_INT, at(c, "type_k"))).isEqualTo(1);
            assertThat(p.get(JAVA_INT, at(c, "type_v"))).isEqualTo(1);
            assertThat(p.get(JAVA_BOOLEAN, at(c, "logits_all"))).isFalse();
            assertThat(p.get(JAVA_BOOLEAN, at(c, "embeddings"))).isFalse();
            assertThat(p.get(JAVA_BOOLEAN, at(c, "offload_kqv"))).isTrue();
            assertThat(p.get(JAVA_BOOLEAN, at(c, "flash_attn"))).isFalse();
            assertThat(p.get(JAVA_BOOLEAN, at(c, "no_perf"))).isTrue();
            assertThat(p.get(ADDRESS, at(c, "abort_callback"))).isEqualTo(MemorySegment.NULL);
            assertThat(p.get(ADDRESS, at(c, "abort_callback_data"))).isEqualTo(MemorySegment.NULL);
        }
    }

    @Test
    void batchInitLayout() {
        NativeLibrary.lookup();
        try (Arena arena = Arena.ofConfined()) {
            StructLayout b = LlamaNative.BATCH;
            MemorySegment tokens = LlamaNative.batchInit(arena, 4, 0, 2);
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
            LlamaNative.batchFree(tokens);

            MemorySegment embeddings = LlamaNative.batchInit(arena, 4, 8, 1);
            assertThat(embeddings.get(ADDRESS, at(b, "token"))).isEqualTo(MemorySegment.NULL);
            assertThat(embeddings.get(ADDRESS, at(b, "embd"))).isNotEqualTo(MemorySegment.NULL);
            LlamaNative.batchFree(embeddings);
        }
    }

    @Test
    void theContextGetsTheParametersWeSet() {
        try (Model model = new LlamaCppBackend().open(TestModels.random(dir), ModelOptions.defaults());
             LlamaCppBatchProcessor processor = (LlamaCppBatchProcessor) model.newBatchProcessor(
                     new ProcessorOptions(3, 100, 700, 2))) {
            // llama.cpp rounds n_ctx up to a multiple of 32 (without flash attention)
            assertThat(processor.nativeParameter("n_ctx")).isEqualTo(320);
            // llama.cpp caps n_batch at n_ctx (before rounding): no valid batch is larger
            assertThat(processor.nativeParameter("n_batch")).isEqualTo(300);
            assertThat(processor.nativeParameter("n_ubatch")).isEqualTo(300);
            assertThat(processor.nativeParameter("n_seq_max")).isEqualTo(3);
            assertThat(processor.nativeParameter("n_threads")).isEqualTo(2);
            assertThat(processor.nativeParameter("n_threads_batch")).isEqualTo(2);
            assertThat(processor.options()).isEqualTo(new ProcessorOptions(3, 100, 700, 2));
        }
        try (Model model = new LlamaCppBackend().open(TestModels.random(dir), ModelOptions.defaults());
             LlamaCppBatchProcessor processor = (LlamaCppBatchProcessor) model.newBatchProcessor(
                     new ProcessorOptions(2, 1000, 1500, 1))) {
            assertThat(processor.nativeParameter("n_ctx")).isEqualTo(2016);
            assertThat(processor.nativeParameter("n_batch")).isEqualTo(1500);
            assertThat(processor.nativeParameter("n_ubatch")).isEqualTo(512);
            assertThat(processor.options()).isEqualTo(new ProcessorOptions(2, 1000, 1500, 1));
        }
    }

    @Test
    void contextSizeZeroMeansTheTrainedContext() {
        try (Model model = new LlamaCppBackend().open(TestModels.random(dir), ModelOptions.defaults());
             LlamaCppBatchProcessor processor = (LlamaCppBatchProcessor) model.newBatchProcessor(
                     ProcessorOptions.defaults())) {
            assertThat(model.info().trainedContextLength()).isEqualTo(256);
            assertThat(processor.options().contextSize()).isEqualTo(256);
            assertThat(processor.nativeParameter("n_ctx")).isEqualTo(256);
            // a model this small runs on one thread unless told otherwise
            assertThat(processor.nativeParameter("n_threads")).isEqualTo(1);
            assertThat(processor.nativeParameter("n_threads_batch")).isEqualTo(1);
        }
    }

    @Test
    void builtinChatTemplates() {
        assertThat(LlamaCppModel.builtinChatTemplates()).hasSize(33).contains("chatml", "llama2", "llama3", "mistral-v7",
                "gemma", "phi3", "phi4", "zephyr", "deepseek3");
    }
}
