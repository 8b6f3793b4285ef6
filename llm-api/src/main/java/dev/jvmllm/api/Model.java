package dev.jvmllm.api;

import java.util.Optional;

/**
 * An opened model: its vocabulary, its special tokens, its chat template (rendered by
 * {@code llm-chat}'s {@code ChatTemplate}, one engine for every backend), and the factory of
 * {@link BatchProcessor}s that run it. Opened by a {@link dev.jvmllm.spi.Backend} (usually
 * through {@link Backends#open}); thread-safe; closing it releases the weights, so close every
 * processor first.
 *
 * <pre>{@code
 * try (Model model = Backends.open(Path.of("stories260K.gguf"));
 *      BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
 *     int[] prompt = model.tokenize("Once upon a time", true);
 *     ...
 * }
 * }</pre>
 */
public interface Model extends AutoCloseable {

    /** What this model is. */
    ModelInfo info();

    /** Number of token ids; valid ids are {@code 0 .. vocabularySize() - 1}. */
    default int vocabularySize() {
        return info().vocabularySize();
    }

    /** The model's special tokens. */
    SpecialTokens specialTokens();

    /** True for every token that ends a generation (end of sequence, end of turn). */
    boolean isEndOfGeneration(int token);

    /**
     * Turns text into token ids.
     *
     * @param addSpecial add the tokens the model expects around a whole prompt (BOS)
     */
    int[] tokenize(String text, boolean addSpecial);

    /**
     * The bytes a token stands for. Can be an incomplete UTF-8 sequence (byte-fallback tokens):
     * decode a stream of pieces with {@link Utf8StreamDecoder}. Control tokens give no bytes.
     *
     * @throws InvalidRequestException if the id is outside the vocabulary
     */
    byte[] tokenBytes(int token);

    /**
     * The token's text as the vocabulary stores it, control tokens included (such as
     * {@code <|im_start|>}): what a chat template calls {@code bos_token}. Unlike
     * {@link #tokenBytes} not meant for decoding output. The default decodes its bytes.
     *
     * @throws InvalidRequestException if the id is outside the vocabulary
     */
    default String tokenText(int token) {
        return new String(tokenBytes(token), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The text of a whole token sequence. */
    default String detokenize(int[] tokens) {
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        StringBuilder text = new StringBuilder();
        for (int token : tokens) {
            text.append(decoder.decode(tokenBytes(token)));
        }
        return text.append(decoder.flush()).toString();
    }

    /** The chat template stored with the model, if it has one. */
    Optional<String> chatTemplate();

    /**
     * Creates a processor: the state (KV cache) for up to {@link ProcessorOptions#maxSequences()}
     * sequences, driven by one thread at a time.
     */
    BatchProcessor newBatchProcessor(ProcessorOptions options);

    /** Releases the model. Idempotent. */
    @Override
    void close();
}
