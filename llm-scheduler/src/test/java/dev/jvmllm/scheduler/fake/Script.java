package dev.jvmllm.scheduler.fake;

import java.nio.charset.StandardCharsets;

/**
 * What the fake model predicts: the next token of a sequence as a function of everything the
 * sequence holds. Deterministic, so expected outputs can be computed without the scheduler.
 */
@FunctionalInterface
public interface Script {

    /** The next token after {@code history[0 .. length - 1]}. */
    int next(int[] history, int length);

    /** Lower-case letters and spaces that depend on the whole history: mixing up sequences shows. */
    static Script mixing() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz ";
        return (history, length) -> {
            int hash = 17;
            for (int i = 0; i < length; i++) {
                hash = 31 * hash + history[i];
            }
            return FakeModel.byteToken(alphabet.charAt(Math.floorMod(hash * 0x9E3779B9, alphabet.length())));
        };
    }

    /** After a prompt of {@code promptLength} tokens: the UTF-8 bytes of {@code text}, then end of sequence. */
    static Script reply(int promptLength, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return (history, length) -> {
            int index = length - promptLength;
            return index < bytes.length ? FakeModel.byteToken(bytes[index] & 0xFF) : FakeModel.EOS;
        };
    }
}
