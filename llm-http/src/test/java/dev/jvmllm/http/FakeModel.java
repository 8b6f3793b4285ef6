package dev.jvmllm.http;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelInfo;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.SpecialTokens;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A model without weights for the server's tests: one token per character (id = the char code),
 * BOS 1 in front, and one built-in chat template, {@code chatml}. It has no template of its own.
 */
final class FakeModel implements Model {
    static final String NAME = "fake-model";
    static final int BOS = 1;

    @Override
    public ModelInfo info() {
        return new ModelInfo(NAME, Path.of("fake.gguf"), "fake", "llama", 65536, 128, 0, "fake", 1, 1);
    }

    @Override
    public SpecialTokens specialTokens() {
        return new SpecialTokens(BOS, 2);
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return token == 2;
    }

    @Override
    public int[] tokenize(String text, boolean addSpecial) {
        int offset = addSpecial ? 1 : 0;
        int[] ids = new int[text.length() + offset];
        ids[0] = BOS;
        for (int i = 0; i < text.length(); i++) {
            ids[i + offset] = text.charAt(i);
        }
        return ids;
    }

    @Override
    public byte[] tokenBytes(int token) {
        return Character.toString(token).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Optional<String> chatTemplate() {
        return Optional.empty();
    }

    @Override
    public BatchProcessor newBatchProcessor(ProcessorOptions options) {
        throw new UnsupportedOperationException("the fake model runs nothing");
    }

    @Override
    public void close() {
    }
}
