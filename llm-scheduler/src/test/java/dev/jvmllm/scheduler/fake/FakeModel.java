package dev.jvmllm.scheduler.fake;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelInfo;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.SpecialTokens;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A byte-level model for tests: token 0 is unknown, 1 BOS, 2 EOS, and {@code 3 + b} the byte
 * {@code b}, so any text tokenizes to BOS and its UTF-8 bytes. What it predicts comes from a
 * {@link Script}; its processors record every call for the tests to inspect.
 */
public final class FakeModel implements Model {
    public static final int BOS = 1;
    public static final int EOS = 2;
    public static final int VOCABULARY = 3 + 256;
    public static final int TRAINED_CONTEXT = 256;

    private final Script script;
    private final List<FakeProcessor> processors = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    public FakeModel(Script script) {
        this.script = script;
    }

    /** The token of one byte. */
    public static int byteToken(int unsignedByte) {
        return 3 + unsignedByte;
    }

    /** What the model generates greedily for a prompt, computed from the script alone. */
    public int[] expected(int[] prompt, int maxTokens) {
        int[] history = Arrays.copyOf(prompt, prompt.length + maxTokens);
        int length = prompt.length;
        for (int i = 0; i < maxTokens; i++) {
            int next = script.next(history, length);
            if (next == EOS) {
                break;
            }
            history[length++] = next;
        }
        return Arrays.copyOfRange(history, prompt.length, length);
    }

    Script script() {
        return script;
    }

    /** The processors created so far, oldest first. */
    public List<FakeProcessor> processors() {
        return processors;
    }

    /** The processor created last. */
    public FakeProcessor processor() {
        return processors.getLast();
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public ModelInfo info() {
        return new ModelInfo("fake", Path.of("fake.model"), "fake", "bytes", VOCABULARY, TRAINED_CONTEXT, 0, "fake", 1, 1);
    }

    @Override
    public SpecialTokens specialTokens() {
        return new SpecialTokens(BOS, EOS);
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return token == EOS;
    }

    @Override
    public int[] tokenize(String text, boolean addSpecial) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int offset = addSpecial ? 1 : 0;
        int[] tokens = new int[bytes.length + offset];
        if (addSpecial) {
            tokens[0] = BOS;
        }
        for (int i = 0; i < bytes.length; i++) {
            tokens[i + offset] = byteToken(bytes[i] & 0xFF);
        }
        return tokens;
    }

    @Override
    public byte[] tokenBytes(int token) {
        if (token < 0 || token >= VOCABULARY) {
            throw new InvalidRequestException("token " + token + " is outside the vocabulary");
        }
        return token < 3 ? new byte[0] : new byte[] {(byte) (token - 3)};
    }

    @Override
    public Optional<String> chatTemplate() {
        return Optional.empty();
    }

    @Override
    public BatchProcessor newBatchProcessor(ProcessorOptions options) {
        ProcessorOptions resolved = options.contextSize() == 0 ? options.withContextSize(TRAINED_CONTEXT) : options;
        FakeProcessor processor = new FakeProcessor(this, resolved);
        processors.add(processor);
        return processor;
    }

    @Override
    public void close() {
        closed = true;
    }
}
