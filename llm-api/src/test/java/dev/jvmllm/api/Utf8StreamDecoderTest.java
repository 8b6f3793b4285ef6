package dev.jvmllm.api;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class Utf8StreamDecoderTest {

    @Test
    void keepsIncompleteCharactersUntilTheyAreComplete() {
        String text = "a你好🦙é";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            String delta = decoder.decode(new byte[] {b});
            assertThat(delta).doesNotContain("\uFFFD");
            assertThat(delta.isEmpty() || !Character.isHighSurrogate(delta.charAt(delta.length() - 1))).isTrue();
            out.append(delta);
        }
        out.append(decoder.flush());
        assertThat(out.toString()).isEqualTo(text);
    }

    @Test
    void emitsCompleteCharactersAtOnce() {
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        byte[] llama = "🦙".getBytes(StandardCharsets.UTF_8);
        assertThat(decoder.decode(new byte[] {llama[0], llama[1]})).isEmpty();
        assertThat(decoder.decode(new byte[] {llama[2], llama[3], 'x'})).isEqualTo("🦙x");
    }

    @Test
    void invalidAndDanglingBytesBecomeReplacementCharacters() {
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        assertThat(decoder.decode(new byte[] {(byte) 0xFF, 'a'})).isEqualTo("\uFFFDa");
        assertThat(decoder.decode(new byte[] {(byte) 0xE4, (byte) 0xBD})).isEmpty();
        assertThat(decoder.flush()).isEqualTo("\uFFFD");
        assertThat(decoder.decode("ok".getBytes(StandardCharsets.UTF_8))).isEqualTo("ok");
    }

    @Test
    void handlesPiecesLargerThanItsBuffers() {
        String text = "长".repeat(200);
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        assertThat(decoder.decode(text.getBytes(StandardCharsets.UTF_8)) + decoder.flush()).isEqualTo(text);
    }
}
