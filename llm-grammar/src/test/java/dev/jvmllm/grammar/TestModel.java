package dev.jvmllm.grammar;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelInfo;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.SpecialTokens;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A vocabulary without weights: token {@code b} for each byte {@code b} (byte fallback, as in
 * SentencePiece: single bytes of multi-byte characters are incomplete UTF-8), then the given
 * text tokens, then a control token without bytes and an end-of-generation token.
 */
final class TestModel implements Model {
    private final List<byte[]> tokens = new ArrayList<>();
    private final int firstText;
    final int control;
    final int end;

    TestModel(List<String> texts) {
        this(texts, true);
    }

    /** Without byte tokens when {@code byteTokens} is false: then only the texts can be written. */
    TestModel(List<String> texts, boolean byteTokens) {
        for (int b = 0; byteTokens && b < 256; b++) {
            tokens.add(new byte[] {(byte) b});
        }
        firstText = tokens.size();
        for (String t : texts) {
            tokens.add(t.getBytes(StandardCharsets.UTF_8));
        }
        control = tokens.size();
        tokens.add(new byte[0]);
        end = tokens.size();
        tokens.add(new byte[0]);
    }

    /** Byte tokens, then JSON-ish multi-character tokens and a few whole multi-byte characters. */
    static TestModel json() {
        return new TestModel(List.of("{\"", "\": \"", "\"}", "\", \"", "\":", "\": ", "\",", "true", "false", "null",
                " {", "  ", "\n  ", "12", "2023", "-0", ".5", "e+", "\\u00", "ab", "abc", "name", "\"name\"", "中", "é",
                "[{", "}]", "},", ", ", "]}", "\n", "date", "T12:", "Z\"", "0-", "-01", "\\\""));
    }

    @Override
    public int vocabularySize() {
        return tokens.size();
    }

    @Override
    public byte[] tokenBytes(int token) {
        return tokens.get(token).clone();
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return token == end;
    }

    /** Greedy longest match over the text tokens, bytes where none matches. */
    @Override
    public int[] tokenize(String text, boolean addSpecial) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < bytes.length; ) {
            int best = firstText == 0 ? -1 : bytes[i] & 0xFF;
            int bestLength = firstText == 0 ? 0 : 1;
            for (int t = firstText; t < control; t++) {
                byte[] tb = tokens.get(t);
                if (tb.length > bestLength && i + tb.length <= bytes.length
                        && Arrays.equals(tb, 0, tb.length, bytes, i, i + tb.length)) {
                    best = t;
                    bestLength = tb.length;
                }
            }
            if (best < 0) {
                throw new IllegalArgumentException("no token for byte " + i + " of " + text);
            }
            out.add(best);
            i += bestLength;
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** One byte token per byte. */
    int[] bytesOf(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] out = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[i] & 0xFF;
        }
        return out;
    }

    String text(List<Integer> ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            out.writeBytes(tokens.get(id));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public ModelInfo info() {
        return new ModelInfo("test", Path.of("test"), "test", "test", tokens.size(), 0, 0, "test", 1, 1);
    }

    @Override
    public SpecialTokens specialTokens() {
        return new SpecialTokens(SpecialTokens.NONE, end);
    }

    @Override
    public Optional<String> chatTemplate() {
        return Optional.empty();
    }

    @Override
    public BatchProcessor newBatchProcessor(ProcessorOptions options) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
}
