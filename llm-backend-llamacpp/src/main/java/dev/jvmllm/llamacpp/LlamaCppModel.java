package dev.jvmllm.llamacpp;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelInfo;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.SpecialTokens;
import dev.jvmllm.llamacpp.internal.LlamaLibrary;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A GGUF model loaded by llama.cpp. Opened by {@link LlamaCppBackend}; thread-safe.
 *
 * <p>The vocabulary's pieces and end-of-generation flags are read once when the model opens, so
 * {@link #tokenBytes} and {@link #isEndOfGeneration} never call native code. {@link #tokenize}
 * parses special-token text (such as {@code <|im_start|>} from a chat template) into those
 * tokens, as llama.cpp's own server does with prompts.
 *
 * <p>Its {@link #chatTemplate()} is the one in the file ({@code tokenizer.chat_template}), if any.
 *
 * <p>{@link #close()} waits for calls in progress, closes every processor still open, then frees
 * the weights; later calls throw {@link IllegalStateException}.
 */
public final class LlamaCppModel implements Model {
    private final LlamaLibrary library;
    private final ModelInfo info;
    private final SpecialTokens specialTokens;
    private final MemorySegment model;
    private final MemorySegment vocab;
    private final byte[][] pieces;
    private final boolean[] endOfGeneration;
    private final Optional<String> chatTemplate;
    /** Read side: every native call on the model; write side: close. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Set<LlamaCppBatchProcessor> processors = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    LlamaCppModel(LlamaLibrary library, Path source, String architecture, long weightBytes, MemorySegment model) {
        this.library = library;
        this.model = model;
        this.vocab = library.modelGetVocab(model);
        int vocabularySize = library.vocabNTokens(vocab);
        if (vocabularySize < 1) {
            throw new LlmException("llama.cpp reports " + vocabularySize + " tokens for " + source);
        }
        String fileName = source.getFileName().toString();
        String name = fileName.toLowerCase(Locale.ROOT).endsWith(".gguf")
                ? fileName.substring(0, fileName.length() - ".gguf".length())
                : fileName;
        this.info = new ModelInfo(name, source, LlamaCppBackend.NAME, architecture, vocabularySize,
                library.modelNCtxTrain(model), weightBytes, library.describe(),
                library.defaultThreads(weightBytes, Runtime.getRuntime().availableProcessors()),
                library.defaultDecodeThreads(weightBytes, Runtime.getRuntime().availableProcessors()));
        this.specialTokens = new SpecialTokens(orNone(library.vocabBos(vocab), vocabularySize),
                orNone(library.vocabEos(vocab), vocabularySize));
        this.pieces = new byte[vocabularySize][];
        this.endOfGeneration = new boolean[vocabularySize];
        try (Arena arena = Arena.ofConfined()) {
            PieceReader reader = new PieceReader(library, vocab, arena, 256);
            for (int token = 0; token < vocabularySize; token++) {
                pieces[token] = reader.read(token, false);
                endOfGeneration[token] = library.vocabIsEog(vocab, token);
            }
        }
        this.chatTemplate = Optional.ofNullable(library.modelChatTemplate(model));
    }

    /** The library it runs on. */
    LlamaLibrary library() {
        return library;
    }

    /** The {@code llama_model}, for a context of this package's own; freed by {@link #close}. */
    MemorySegment nativeModel() {
        return model;
    }

    private static int orNone(int token, int vocabularySize) {
        return token >= 0 && token < vocabularySize ? token : SpecialTokens.NONE;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public SpecialTokens specialTokens() {
        return specialTokens;
    }

    /** @throws InvalidRequestException if the id is outside the vocabulary */
    @Override
    public boolean isEndOfGeneration(int token) {
        checkToken(token);
        return endOfGeneration[token];
    }

    @Override
    public int[] tokenize(String text, boolean addSpecial) {
        Objects.requireNonNull(text, "text");
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > Integer.MAX_VALUE - 16) {
            throw new InvalidRequestException("the text is too long to tokenize (" + utf8.length + " bytes)");
        }
        lock.readLock().lock();
        try (Arena arena = Arena.ofConfined()) {
            checkOpen();
            MemorySegment nativeText = arena.allocate(utf8.length + 1L);
            MemorySegment.copy(utf8, 0, nativeText, JAVA_BYTE, 0, utf8.length);
            // every byte becomes at most one token, plus BOS and EOS
            int capacity = utf8.length + 2;
            MemorySegment tokens = arena.allocate(JAVA_INT, capacity);
            int n = library.tokenize(vocab, nativeText, utf8.length, tokens, capacity, addSpecial, true);
            if (n < 0) {
                if (n == Integer.MIN_VALUE) {
                    throw new InvalidRequestException("the text is too long to tokenize (" + utf8.length + " bytes)");
                }
                capacity = -n;
                tokens = arena.allocate(JAVA_INT, capacity);
                n = library.tokenize(vocab, nativeText, utf8.length, tokens, capacity, addSpecial, true);
                if (n < 0) {
                    throw new LlmException("llama_tokenize failed (" + n + ")");
                }
            }
            return tokens.asSlice(0, n * JAVA_INT.byteSize()).toArray(JAVA_INT);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A copy of the cached piece. */
    @Override
    public byte[] tokenBytes(int token) {
        checkToken(token);
        checkOpen();
        return pieces[token].clone();
    }

    /** The piece llama.cpp renders with special tokens shown: a control token's own text. */
    @Override
    public String tokenText(int token) {
        checkToken(token);
        lock.readLock().lock();
        try (Arena arena = Arena.ofConfined()) {
            checkOpen();
            return new String(new PieceReader(library, vocab, arena, 64).read(token, true), StandardCharsets.UTF_8);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Reads tokens' pieces ({@code llama_token_to_piece}) through one buffer, grown to the longest piece. */
    private static final class PieceReader {
        private final LlamaLibrary library;
        private final MemorySegment vocab;
        private final Arena arena;
        private MemorySegment buffer;

        PieceReader(LlamaLibrary library, MemorySegment vocab, Arena arena, int capacity) {
            this.library = library;
            this.vocab = vocab;
            this.arena = arena;
            this.buffer = arena.allocate(capacity);
        }

        /** @param special whether a control token gives its text (such as {@code <|im_start|>}) rather than nothing */
        byte[] read(int token, boolean special) {
            int n = library.tokenToPiece(vocab, token, buffer, (int) buffer.byteSize(), 0, special);
            if (n < 0) {
                buffer = arena.allocate(-n);
                n = library.tokenToPiece(vocab, token, buffer, -n, 0, special);
            }
            return n <= 0 ? new byte[0] : buffer.asSlice(0, n).toArray(JAVA_BYTE);
        }
    }

    private void checkToken(int token) {
        if (token < 0 || token >= pieces.length) {
            throw new InvalidRequestException("token id " + token + " is outside the vocabulary (0.."
                    + (pieces.length - 1) + ")");
        }
    }

    /** The file's own template. */
    @Override
    public Optional<String> chatTemplate() {
        return chatTemplate;
    }

    /**
     * Whether its processors keep one KV cache for all their sequences (llama.cpp b4916: every
     * token of a batch attends over the cells of every sequence in it), or one per sequence (the
     * current llama.cpp, {@code kv_unified = false}).
     */
    public boolean unifiedKvCache() {
        return library.unifiedKvCache();
    }

    /**
     * Creates a processor; see {@link LlamaCppBatchProcessor} for how the options size the
     * llama.cpp context.
     *
     * @throws InvalidRequestException if the options ask for more than llama.cpp can hold
     * @throws LlmException if llama.cpp cannot create the context (out of memory)
     */
    @Override
    public BatchProcessor newBatchProcessor(ProcessorOptions options) {
        Objects.requireNonNull(options, "options");
        lock.readLock().lock();
        try {
            checkOpen();
            LlamaCppBatchProcessor processor = new LlamaCppBatchProcessor(this, library, model, options);
            processors.add(processor);
            return processor;
        } finally {
            lock.readLock().unlock();
        }
    }

    void forget(LlamaCppBatchProcessor processor) {
        processors.remove(processor);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the model " + info.name() + " is closed");
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (LlamaCppBatchProcessor processor : List.copyOf(processors)) {
                processor.close();
            }
            library.modelFree(model);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "LlamaCppModel[" + info.name() + ", " + info.architecture() + ", vocabulary " + info.vocabularySize() + "]";
    }
}
