package dev.jvmllm.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RandomLlamaModelTest {
    @TempDir
    Path dir;

    @Test
    void hasTheLayoutOfALlamaModel() {
        RandomLlamaModel spec = RandomLlamaModel.defaults();
        GgufFile gguf = GgufFile.open(spec.write(dir.resolve("random.gguf")));
        int vocab = RandomLlamaModel.vocabularySize();

        assertThat(gguf.architecture()).contains("llama");
        assertThat(gguf.getInt("llama.block_count")).hasValue(2);
        assertThat(gguf.getInt("llama.embedding_length")).hasValue(32);
        assertThat(gguf.getInt("llama.feed_forward_length")).hasValue(64);
        assertThat(gguf.getInt("llama.attention.head_count")).hasValue(4);
        assertThat(gguf.getInt("llama.attention.head_count_kv")).hasValue(2);
        assertThat(gguf.getInt("llama.rope.dimension_count")).hasValue(8);
        assertThat(gguf.getInt("llama.context_length")).hasValue(256);
        assertThat(gguf.getInt("llama.vocab_size")).hasValue(vocab);
        assertThat(gguf.keyValue("llama.context_length").orElseThrow().type()).isEqualTo(GgufValueType.UINT32);
        assertThat(gguf.getString("tokenizer.ggml.model")).contains("llama");
        assertThat(gguf.getInt("tokenizer.ggml.bos_token_id")).hasValue(1);
        assertThat(gguf.getInt("tokenizer.ggml.eos_token_id")).hasValue(2);
        assertThat(gguf.getInt("tokenizer.ggml.unknown_token_id")).hasValue(0);

        assertThat(gguf.tensors()).hasSize(3 + 9 * 2);
        assertThat(gguf.tensors()).extracting(GgufTensor::name).startsWith("token_embd.weight", "output_norm.weight",
                "output.weight", "blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight",
                "blk.0.attn_output.weight", "blk.0.attn_norm.weight", "blk.0.ffn_gate.weight", "blk.0.ffn_down.weight",
                "blk.0.ffn_up.weight", "blk.0.ffn_norm.weight");
        assertThat(gguf.tensor("token_embd.weight").orElseThrow().dimensions()).containsExactly(32, vocab);
        assertThat(gguf.tensor("output.weight").orElseThrow().dimensions()).containsExactly(32, vocab);
        assertThat(gguf.tensor("blk.1.attn_k.weight").orElseThrow().dimensions()).containsExactly(32, 16);
        assertThat(gguf.tensor("blk.1.ffn_down.weight").orElseThrow().dimensions()).containsExactly(64, 32);
        assertThat(gguf.readF32(gguf.tensor("blk.1.ffn_norm.weight").orElseThrow())).containsOnly(1f);
        float[] output = gguf.readF32(gguf.tensor("output.weight").orElseThrow());
        // the rows of <unk>, <s> and </s> are zero so that greedy decoding does not stop early
        assertThat(java.util.Arrays.copyOfRange(output, 0, 3 * 32)).containsOnly(0f);
        assertThat(output[3 * 32]).isNotZero();
    }

    @Test
    void hasACompleteSentencePieceVocabulary() {
        GgufFile gguf = GgufFile.open(RandomLlamaModel.defaults().write(dir.resolve("random.gguf")));
        List<String> tokens = gguf.getStringArray("tokenizer.ggml.tokens").orElseThrow();
        int[] types = gguf.getIntArray("tokenizer.ggml.token_type").orElseThrow();

        assertThat(tokens).doesNotHaveDuplicates();
        assertThat(tokens.subList(0, 3)).containsExactly("<unk>", "<s>", "</s>");
        assertThat(types[0]).isEqualTo(2);
        assertThat(types[1]).isEqualTo(3);
        assertThat(types[2]).isEqualTo(3);
        for (int b = 0; b < 256; b++) {
            assertThat(tokens.get(RandomLlamaModel.FIRST_BYTE_TOKEN + b)).isEqualTo(String.format("<0x%02X>", b));
            assertThat(types[RandomLlamaModel.FIRST_BYTE_TOKEN + b]).isEqualTo(6);
        }
        assertThat(tokens.get(259)).isEqualTo("\u2581");
        assertThat(tokens).contains("\u2581Once", "\u2581upon", "\u2581time", "a", "Z", "\u2581t", "\u2581th");
        // every merged piece can be built from a shorter piece plus one character
        for (String token : tokens.subList(260, tokens.size())) {
            if (token.codePointCount(0, token.length()) > 1) {
                assertThat(tokens).contains(token.substring(0, token.length() - 1));
            }
        }
        assertThat(gguf.getFloatArray("tokenizer.ggml.scores").orElseThrow()).hasSize(tokens.size());
    }

    @Test
    void isReproducibleForASeed() throws Exception {
        byte[] a = Files.readAllBytes(RandomLlamaModel.defaults().write(dir.resolve("a.gguf")));
        byte[] b = Files.readAllBytes(RandomLlamaModel.defaults().write(dir.resolve("b.gguf")));
        byte[] c = Files.readAllBytes(RandomLlamaModel.defaults().withSeed(43).write(dir.resolve("c.gguf")));

        assertThat(a).isEqualTo(b);
        assertThat(c).hasSameSizeAs(a).isNotEqualTo(a);
    }

    @Test
    void rejectsImpossibleShapes() {
        assertThatThrownBy(() -> RandomLlamaModel.defaults().withAttention(30, 4, 2))
                .hasMessage("embeddingLength 30 must split into 4 heads of an even size (rope rotates pairs)");
        assertThatThrownBy(() -> RandomLlamaModel.defaults().withAttention(32, 4, 3))
                .hasMessage("headCountKv 3 must divide headCount 4");
        assertThatThrownBy(() -> RandomLlamaModel.defaults().withWeightType(GgmlType.Q8_0))
                .hasMessage("weights are F32 or F16 (quantize them with llama.cpp), not Q8_0");
    }

    @Test
    void qwen3HasItsMetadataKeysAndPerHeadNorms() {
        RandomLlamaModel spec = RandomLlamaModel.defaults().withArchitecture(RandomLlamaModel.Architecture.QWEN3);
        GgufFile gguf = GgufFile.open(spec.write(dir.resolve("qwen3.gguf")));

        assertThat(gguf.architecture()).contains("qwen3");
        assertThat(gguf.getInt("qwen3.block_count")).hasValue(2);
        assertThat(gguf.getInt("qwen3.embedding_length")).hasValue(32);
        assertThat(gguf.getInt("qwen3.attention.head_count_kv")).hasValue(2);
        assertThat(gguf.getInt("llama.block_count")).isEmpty();
        assertThat(gguf.tensors()).hasSize(3 + 11 * 2);
        assertThat(gguf.tensor("blk.1.attn_q_norm.weight").orElseThrow().dimensions()).containsExactly(8);
        assertThat(gguf.tensor("blk.1.attn_k_norm.weight").orElseThrow().dimensions()).containsExactly(8);
        long stored = gguf.tensors().stream().mapToLong(t -> java.util.Arrays.stream(t.dimensions()).reduce(1, (a, b) -> a * b))
                .sum();
        assertThat(spec.parameterCount()).isEqualTo(stored);
    }

    @Test
    void f16KeepsTheNormsInF32() {
        RandomLlamaModel spec = RandomLlamaModel.defaults().withWeightType(GgmlType.F16);
        GgufFile gguf = GgufFile.open(spec.write(dir.resolve("f16.gguf")));

        assertThat(gguf.tensor("blk.0.attn_q.weight").orElseThrow().type()).isEqualTo(GgmlType.F16);
        assertThat(gguf.tensor("token_embd.weight").orElseThrow().type()).isEqualTo(GgmlType.F16);
        assertThat(gguf.tensor("blk.0.attn_norm.weight").orElseThrow().type()).isEqualTo(GgmlType.F32);
        assertThat(gguf.tensor("output_norm.weight").orElseThrow().type()).isEqualTo(GgmlType.F32);
        long stored = gguf.tensors().stream().mapToLong(t -> java.util.Arrays.stream(t.dimensions()).reduce(1, (a, b) -> a * b))
                .sum();
        assertThat(spec.parameterCount()).isEqualTo(stored);
    }
}
