package dev.jvmllm.onnx.internal;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.ModelLoadException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model's {@code tokenizer.json}: encoding through DJL's binding of the Hugging Face
 * {@code tokenizers} library (the reference implementation of the format), and the bytes of each
 * token, which that library does not expose, read from the same file.
 *
 * <p>DJL's jar ships the native library for Linux, macOS and Windows and extracts it to its cache
 * directory ({@code ~/.djl.ai}, or {@code DJL_CACHE_DIR}). On a machine with CUDA, DJL would look
 * for a CUDA build that the jar lacks and try to download it; tokenizing gains nothing from a GPU,
 * so {@code RUST_FLAVOR} is pinned to {@code cpu} unless the user set it.
 */
final class HfTokenizer implements AutoCloseable {
    private static final Pattern BYTE_PIECE = Pattern.compile("<0x([0-9A-Fa-f]{2})>");
    private static final char METASPACE = '\u2581';

    private final HuggingFaceTokenizer tokenizer;
    private final byte[][] pieces;
    private final Map<String, Integer> ids;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, byte[][] pieces, Map<String, Integer> ids) {
        this.tokenizer = tokenizer;
        this.pieces = pieces;
        this.ids = ids;
    }

    /**
     * Loads {@code tokenizer.json} from the model directory.
     *
     * @param modelVocabulary the number of logits the model produces; the tokenizer may not name more tokens
     * @throws ModelLoadException if the file is missing or malformed, or has more tokens than the model
     */
    static HfTokenizer load(Path directory, int modelVocabulary) {
        Path file = directory.resolve("tokenizer.json");
        JsonNode json = Json.readRequired(file, "the tokenizer: the model's vocabulary and how text becomes tokens");
        Map<String, Integer> ids = vocabulary(json, file);
        int size = size(ids);
        if (size > modelVocabulary) {
            throw new ModelLoadException(file + " has " + size + " tokens but the model has only " + modelVocabulary
                    + " logits: the tokenizer does not belong to this model");
        }
        if (size < modelVocabulary / 2) {
            // models pad their embedding a little (to a multiple of 64 or 128), never to twice the tokenizer
            throw new ModelLoadException(file + " has " + size + " tokens but the model has " + modelVocabulary
                    + " logits: the tokenizer does not belong to this model");
        }
        return create(file, json, ids, modelVocabulary);
    }

    /**
     * Loads {@code tokenizer.json} of a model that produces no logits (an encoder): its vocabulary
     * is the tokenizer's. Its own padding and truncation are switched off, as for {@link #load(Path, int)}.
     */
    static HfTokenizer load(Path directory) {
        Path file = directory.resolve("tokenizer.json");
        JsonNode json = Json.readRequired(file, "the tokenizer: the model's vocabulary and how text becomes tokens");
        Map<String, Integer> ids = vocabulary(json, file);
        return create(file, json, ids, size(ids));
    }

    private static int size(Map<String, Integer> ids) {
        return ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    }

    private static HfTokenizer create(Path file, JsonNode json, Map<String, Integer> ids, int vocabulary) {
        byte[][] pieces = pieces(json, ids, vocabulary);
        if (System.getenv("RUST_FLAVOR") == null && System.getProperty("RUST_FLAVOR") == null) {
            System.setProperty("RUST_FLAVOR", "cpu");
        }
        Map<String, String> options = Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false");
        try (InputStream in = Files.newInputStream(file)) {
            return new HfTokenizer(HuggingFaceTokenizer.newInstance(in, options), pieces, ids);
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException("cannot load " + file + ": " + e.getMessage(), e);
        }
    }

    /** The number of ids: one more than the largest the tokenizer names. */
    int vocabularySize() {
        return pieces.length;
    }

    /** The ids of the text; {@code addSpecial} applies the file's post-processor (BOS for llama). */
    int[] encode(String text, boolean addSpecial) {
        long[] encoded = tokenizer.encode(text, addSpecial, false).getIds();
        int[] result = new int[encoded.length];
        for (int i = 0; i < encoded.length; i++) {
            result[i] = (int) encoded[i];
        }
        return result;
    }

    /** The bytes of a token: empty for special tokens and for ids the tokenizer does not name. */
    byte[] bytes(int token) {
        checkToken(token);
        return pieces[token].clone();
    }

    private void checkToken(int token) {
        if (token < 0 || token >= pieces.length) {
            throw new InvalidRequestException("token id " + token + " is outside the vocabulary (0.." + (pieces.length - 1)
                    + ")");
        }
    }

    /** The id of a token's text, as in the vocabulary or the added tokens. */
    OptionalInt id(String piece) {
        Integer id = ids.get(piece);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /**
     * A token's text as the vocabulary writes it (such as {@code <s>}), if the tokenizer names the id.
     *
     * @throws InvalidRequestException if the id is outside the vocabulary
     */
    java.util.Optional<String> text(int token) {
        checkToken(token);
        return ids.entrySet().stream().filter(e -> e.getValue() == token).map(Map.Entry::getKey).findFirst();
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    /** Every token text with its id: the model's vocabulary plus the added tokens. */
    private static Map<String, Integer> vocabulary(JsonNode json, Path file) {
        JsonNode model = json.path("model");
        JsonNode vocab = model.get("vocab");
        Map<String, Integer> ids = new HashMap<>();
        if (vocab == null) {
            throw new ModelLoadException(file + " has no model.vocab");
        }
        if (vocab.isArray()) { // Unigram: [[piece, score], ...] in id order
            for (int id = 0; id < vocab.size(); id++) {
                ids.putIfAbsent(vocab.get(id).get(0).asText(), id);
            }
        } else {
            vocab.properties().forEach(e -> ids.put(e.getKey(), e.getValue().intValue()));
        }
        for (JsonNode added : json.path("added_tokens")) {
            ids.put(added.path("content").asText(), added.path("id").intValue());
        }
        return ids;
    }

    /**
     * The bytes of every id. Byte-level BPE (GPT-2 family) spells bytes as printable characters;
     * SentencePiece-style vocabularies (llama) write spaces as {@code ▁} and raw bytes as {@code <0xNN>}.
     */
    private static byte[][] pieces(JsonNode json, Map<String, Integer> ids, int modelVocabulary) {
        boolean byteLevel = json.path("decoder").toString().contains("\"ByteLevel\"");
        Map<Integer, JsonNode> added = new HashMap<>();
        json.path("added_tokens").forEach(token -> added.put(token.path("id").intValue(), token));
        byte[][] pieces = new byte[modelVocabulary][];
        java.util.Arrays.fill(pieces, new byte[0]);
        ids.forEach((piece, id) -> {
            JsonNode addedToken = added.get(id);
            if (addedToken != null) {
                pieces[id] = addedToken.path("special").asBoolean(false)
                        ? new byte[0] : piece.getBytes(StandardCharsets.UTF_8);
            } else if (byteLevel) {
                pieces[id] = ByteLevel.decode(piece);
            } else {
                Matcher m = BYTE_PIECE.matcher(piece);
                pieces[id] = m.matches()
                        ? new byte[] {(byte) Integer.parseInt(m.group(1), 16)}
                        : piece.replace(METASPACE, ' ').getBytes(StandardCharsets.UTF_8);
            }
        });
        return pieces;
    }

    /** GPT-2's reversible map between bytes and printable characters. */
    static final class ByteLevel {
        private static final int[] BYTE_OF_CHAR = new int[324];

        static {
            java.util.Arrays.fill(BYTE_OF_CHAR, -1);
            int next = 256;
            for (int b = 0; b < 256; b++) {
                boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
                BYTE_OF_CHAR[printable ? b : next++] = b;
            }
        }

        private ByteLevel() {
        }

        static byte[] decode(String piece) {
            byte[] out = new byte[piece.length()];
            int n = 0;
            for (int i = 0; i < piece.length(); i++) {
                char c = piece.charAt(i);
                if (c >= BYTE_OF_CHAR.length || BYTE_OF_CHAR[c] < 0) {
                    // not a byte-level character (a hand-added token): keep its UTF-8
                    return piece.getBytes(StandardCharsets.UTF_8);
                }
                out[n++] = (byte) BYTE_OF_CHAR[c];
            }
            return java.util.Arrays.copyOf(out, n);
        }
    }
}
