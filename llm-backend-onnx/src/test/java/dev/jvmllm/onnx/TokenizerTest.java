package dev.jvmllm.onnx;

import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.api.SpecialTokens;
import dev.jvmllm.gguf.RandomLlamaModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static dev.jvmllm.gguf.RandomLlamaModel.SPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The tokenizer.json the converter writes tokenizes like SentencePiece and spells tokens as llama.cpp does. */
class TokenizerTest {
    private static final List<String> VOCABULARY = RandomLlamaModel.tokens();

    @TempDir
    static Path dir;
    private static Model model;

    @BeforeAll
    static void open() {
        model = new OnnxBackend().open(TestModels.convertedRandom(dir), ModelOptions.defaults());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void wordsBecomeTheirLongestPiecesAfterBos() {
        assertThat(model.tokenize("Once upon a time", true))
                .containsExactly(RandomLlamaModel.BOS, id(SPACE + "Once"), id(SPACE + "upon"), id(SPACE + "a"),
                        id(SPACE + "time"));
        assertThat(model.tokenize("Once upon a time", false))
                .containsExactly(id(SPACE + "Once"), id(SPACE + "upon"), id(SPACE + "a"), id(SPACE + "time"));
        assertThat(model.tokenize("", true)).containsExactly(RandomLlamaModel.BOS);
    }

    @Test
    void charactersOutsideTheVocabularyFallBackToBytes() {
        // 'é' is not a piece: its two UTF-8 bytes become byte tokens
        assertThat(model.tokenize("é", false)).containsExactly(id(SPACE), byteToken(0xC3), byteToken(0xA9));
        int[] ids = model.tokenize("the café", false);
        // "▁ca" is a piece (the start of "▁cat"), "▁caf" is not
        assertThat(ids).containsExactly(id(SPACE + "the"), id(SPACE + "ca"), id("f"), byteToken(0xC3), byteToken(0xA9));
        assertThat(model.detokenize(ids)).isEqualTo(" the café");
    }

    @Test
    void tokenBytesSpellPiecesBytesAndNothingForControlTokens() {
        assertThat(model.tokenBytes(id(SPACE + "Once"))).isEqualTo(" Once".getBytes(StandardCharsets.UTF_8));
        assertThat(model.tokenBytes(byteToken(0xC3))).containsExactly((byte) 0xC3);
        assertThat(model.tokenBytes(byteToken(0x0A))).containsExactly((byte) '\n');
        assertThat(model.tokenBytes(RandomLlamaModel.BOS)).isEmpty();
        assertThat(model.tokenBytes(RandomLlamaModel.EOS)).isEmpty();
        assertThat(model.tokenBytes(RandomLlamaModel.UNK)).isEmpty();
        assertThatThrownBy(() -> model.tokenBytes(VOCABULARY.size()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("token id " + VOCABULARY.size() + " is outside the vocabulary (0.." + (VOCABULARY.size() - 1) + ")");
    }

    @Test
    void specialTokensAndInfoComeFromTheConvertedFiles() {
        assertThat(model.specialTokens()).isEqualTo(new SpecialTokens(RandomLlamaModel.BOS, RandomLlamaModel.EOS));
        assertThat(model.isEndOfGeneration(RandomLlamaModel.EOS)).isTrue();
        assertThat(model.isEndOfGeneration(RandomLlamaModel.BOS)).isFalse();
        assertThat(model.info().backend()).isEqualTo("onnx");
        assertThat(model.info().architecture()).isEqualTo("llama");
        assertThat(model.info().name()).isEqualTo("random-onnx");
        assertThat(model.info().vocabularySize()).isEqualTo(VOCABULARY.size());
        assertThat(model.info().trainedContextLength()).isEqualTo(256);
    }

    private static int id(String piece) {
        int id = VOCABULARY.indexOf(piece);
        assertThat(id).as("piece %s", piece).isNotNegative();
        return id;
    }

    private static int byteToken(int b) {
        return RandomLlamaModel.FIRST_BYTE_TOKEN + b;
    }
}
