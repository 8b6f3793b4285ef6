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
        assertThatThrownBy(() -> new RandomLlamaModel(1, 30, 8, 4, 2, 16, 0))
                .hasMessage("embeddingLength 30 must split into 4 heads of an even size (rope rotates pairs)");
        assertThatThrownBy(() -> new RandomLlamaModel(1, 32, 8, 4, 3, 16, 0))
                .hasMessage("headCountKv 3 must divide headCount 4");
    }
}
