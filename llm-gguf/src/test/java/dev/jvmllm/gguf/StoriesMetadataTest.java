package dev.jvmllm.gguf;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads the real stories260K.gguf and checks what its model card says. */
class StoriesMetadataTest {

    @Test
    void readsTheHeader() {
        GgufFile gguf = GgufFile.open(TestModel.stories());

        assertThat(gguf.version()).isEqualTo(3);
        assertThat(gguf.fileSize()).isEqualTo(1_185_376L);
        assertThat(gguf.alignment()).isEqualTo(32);
        assertThat(gguf.dataStart()).isEqualTo(14_176L);
        assertThat(gguf.keyValues()).hasSize(19);
        assertThat(gguf.architecture()).contains("llama");
        assertThat(gguf.getString("general.name")).contains("llama");
        assertThat(gguf.getInt("llama.context_length")).hasValue(2048);
        assertThat(gguf.getInt("llama.embedding_length")).hasValue(64);
        assertThat(gguf.getInt("llama.feed_forward_length")).hasValue(172);
        assertThat(gguf.getInt("llama.attention.head_count")).hasValue(8);
        assertThat(gguf.getInt("llama.attention.head_count_kv")).hasValue(4);
        assertThat(gguf.getInt("llama.block_count")).hasValue(5);
        assertThat(gguf.getInt("llama.rope.dimension_count")).hasValue(8);
        assertThat(gguf.getDouble("llama.attention.layer_norm_rms_epsilon")).hasValue((double) 1e-5f);
        assertThat(gguf.getInt("tokenizer.ggml.bos_token_id")).hasValue(1);
        assertThat(gguf.getInt("tokenizer.ggml.eos_token_id")).hasValue(2);
        assertThat(gguf.getInt("tokenizer.ggml.unknown_token_id")).hasValue(0);
        // UINT32 0xFFFFFFFF means "none"; it is a Long so it stays unsigned
        assertThat(gguf.getLong("tokenizer.ggml.padding_token_id")).hasValue(4_294_967_295L);
        assertThat(gguf.metadata().get("tokenizer.ggml.padding_token_id")).isEqualTo(4_294_967_295L);
        assertThat(gguf.getString("tokenizer.ggml.model")).contains("llama");
        assertThat(gguf.getString("no.such.key")).isEmpty();
    }

    @Test
    void readsTheVocabulary() {
        GgufFile gguf = GgufFile.open(TestModel.stories());

        List<String> tokens = gguf.getStringArray("tokenizer.ggml.tokens").orElseThrow();
        assertThat(tokens).hasSize(512);
        assertThat(tokens.subList(0, 4)).containsExactly("<unk>", "<s>", "</s>", "<0x00>");
        assertThat(tokens.get(258)).isEqualTo("<0xFF>");
        assertThat(tokens.get(259)).isEqualTo("\u2581t");
        assertThat(tokens.get(403)).isEqualTo("\u2581Once");
        assertThat(tokens.get(485)).isEqualTo("é");
        float[] scores = gguf.getFloatArray("tokenizer.ggml.scores").orElseThrow();
        assertThat(scores[260]).isEqualTo(-1f);
        assertThat(scores[511]).isEqualTo(-252f);
        int[] types = gguf.getIntArray("tokenizer.ggml.token_type").orElseThrow();
        assertThat(types[0]).isEqualTo(2);
        assertThat(types[1]).isEqualTo(3);
        assertThat(types[3]).isEqualTo(6);
        assertThat(types[259]).isEqualTo(1);
    }

    @Test
    void readsTheTensors() {
        GgufFile gguf = GgufFile.open(TestModel.stories());

        assertThat(gguf.tensors()).hasSize(48);
        assertThat(gguf.tensors()).allSatisfy(t -> assertThat(t.type()).isEqualTo(GgmlType.F32));
        assertThat(gguf.tensors().subList(0, 4)).extracting(GgufTensor::name)
                .containsExactly("token_embd.weight", "output_norm.weight", "output.weight", "blk.0.attn_q.weight");
        GgufTensor embeddings = gguf.tensor("token_embd.weight").orElseThrow();
        assertThat(embeddings.dimensions()).containsExactly(64, 512);
        assertThat(embeddings.offset()).isZero();
        assertThat(embeddings.byteSize()).isEqualTo(64 * 512 * 4);
        assertThat(gguf.tensor("blk.4.ffn_down.weight").orElseThrow().dimensions()).containsExactly(172, 64);
        assertThat(gguf.tensor("blk.0.attn_k.weight").orElseThrow().dimensions()).containsExactly(64, 32);
        GgufTensor last = gguf.tensors().getLast();
        assertThat(last.name()).isEqualTo("blk.4.ffn_norm.weight");
        assertThat(gguf.dataStart() + last.offset() + last.byteSize()).isEqualTo(gguf.fileSize());

        float[] values = gguf.readF32(embeddings);
        assertThat(values).hasSize(64 * 512);
        assertThat(values[0]).isEqualTo(-0.29474878f);
        assertThat(values[values.length - 1]).isEqualTo(-0.4240326f);
    }

    @Test
    void copyingEveryEntryAndTensorReproducesTheFileByteForByte(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        GgufFile gguf = GgufFile.open(TestModel.stories());
        GgufWriter writer = new GgufWriter();
        gguf.keyValues().forEach(writer::put);
        for (GgufTensor t : gguf.tensors()) {
            writer.addRawTensor(t.name(), t.dimensions(), t.type(), gguf.readBytes(t));
        }
        java.nio.file.Path copy = writer.write(dir.resolve("copy.gguf"));

        assertThat(java.nio.file.Files.readAllBytes(copy)).isEqualTo(java.nio.file.Files.readAllBytes(gguf.path()));
    }
}
