package dev.jvmllm.llamacpp;

import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.api.SpecialTokens;
import dev.jvmllm.api.Utf8StreamDecoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Text to tokens and back, including characters that only byte-fallback tokens can spell. */
class TokenizerTest {
    private static final String MIXED = "Lily said 你好，世界 and 🦙🚀 at the café, naïve Zoë.";
    private static Model model;

    @BeforeAll
    static void open() {
        model = new LlamaCppBackend().open(TestModels.stories(), ModelOptions.defaults());
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void describesTheVocabulary() {
        assertThat(model.vocabularySize()).isEqualTo(512);
        assertThat(model.specialTokens()).isEqualTo(new SpecialTokens(1, 2));
        assertThat(model.isEndOfGeneration(2)).isTrue();
        assertThat(model.isEndOfGeneration(1)).isFalse();
        assertThat(model.isEndOfGeneration(403)).isFalse();
        assertThat(model.tokenBytes(403)).isEqualTo(" Once".getBytes(StandardCharsets.UTF_8));
        assertThat(model.tokenBytes(485)).isEqualTo("é".getBytes(StandardCharsets.UTF_8));
        // byte-fallback token <0xE4> is the single byte 0xE4; control tokens have no text
        assertThat(model.tokenBytes(3 + 0xE4)).containsExactly((byte) 0xE4);
        assertThat(model.tokenBytes(1)).isEmpty();
        assertThat(model.tokenBytes(2)).isEmpty();
    }

    @Test
    void tokenizesWithAndWithoutBos() {
        assertThat(model.tokenize("Once upon a time", true)).containsExactly(1, 403, 407, 261, 378);
        assertThat(model.tokenize("Once upon a time", false)).containsExactly(403, 407, 261, 378);
        assertThat(model.tokenize("", true)).containsExactly(1);
        assertThat(model.tokenize("", false)).isEmpty();
    }

    @Test
    void multiByteTextSurvivesARoundTripThroughByteFallbackTokens() {
        int[] tokens = model.tokenize(MIXED, false);

        // 你 is E4 BD A0: three byte-fallback tokens
        assertThat(tokens).containsSubsequence(3 + 0xE4, 3 + 0xBD, 3 + 0xA0);
        // SentencePiece puts a space in front of the text, so the text comes back with one
        assertThat(model.detokenize(tokens)).isEqualTo(" " + MIXED);
    }

    @Test
    void streamingTokenByTokenNeverSplitsACharacter() {
        int[] tokens = model.tokenize(MIXED, false);
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        StringBuilder text = new StringBuilder();
        int emptyDeltas = 0;
        for (int token : tokens) {
            String delta = decoder.decode(model.tokenBytes(token));
            assertThat(delta).doesNotContain("\uFFFD");
            if (!delta.isEmpty()) {
                assertThat(Character.isHighSurrogate(delta.charAt(delta.length() - 1))).isFalse();
                assertThat(Character.isLowSurrogate(delta.charAt(0))).isFalse();
            } else {
                emptyDeltas++;
            }
            text.append(delta);
        }
        assertThat(decoder.flush()).isEmpty();
        assertThat(text.toString()).isEqualTo(" " + MIXED);
        // the first bytes of every multi-byte character wait for the rest
        assertThat(emptyDeltas).isPositive();
    }

    @Test
    void badTokenIdsAreRejected() {
        assertThatThrownBy(() -> model.tokenBytes(-1)).isInstanceOf(InvalidRequestException.class)
                .hasMessage("token id -1 is outside the vocabulary (0..511)");
        assertThatThrownBy(() -> model.tokenBytes(512)).isInstanceOf(InvalidRequestException.class)
                .hasMessage("token id 512 is outside the vocabulary (0..511)");
        assertThatThrownBy(() -> model.isEndOfGeneration(Integer.MIN_VALUE)).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> model.detokenize(new int[] {403, 9999})).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> model.tokenize(null, true)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void tokenBytesReturnsACopy() {
        model.tokenBytes(403)[0] = 'X';
        assertThat(model.tokenBytes(403)).isEqualTo(" Once".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void longTextAndNulCharactersAreFine() {
        String text = "the ".repeat(20_000) + "a\u0000b";
        int[] tokens = model.tokenize(text, true);
        assertThat(tokens.length).isGreaterThan(20_000);
        assertThat(model.detokenize(tokens)).isEqualTo(" " + text);
    }
}
