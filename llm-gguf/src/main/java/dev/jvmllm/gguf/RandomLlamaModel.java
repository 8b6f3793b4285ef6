package dev.jvmllm.gguf;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.SequencedSet;

/**
 * A model with random (seeded, so reproducible) weights and a complete SentencePiece-style
 * ({@code tokenizer.ggml.model = llama}) vocabulary, written as GGUF: tiny by default, of any
 * size when asked. It has the tensor names, shapes and metadata keys of a real model of its
 * {@link Architecture} (for {@code llama}, the layout of {@code stories260K.gguf}), so llama.cpp
 * and the converters load it like one; its output is meaningless but deterministic. For tests
 * that must run without a downloaded model, and for benchmarks of a given shape (quantized with
 * llama.cpp afterwards).
 *
 * <p>The vocabulary: {@code <unk>} (0), {@code <s>} (1, BOS), {@code </s>} (2, EOS), the 256
 * byte-fallback tokens {@code <0x00>..<0xFF>} (3..258), then single characters (with
 * {@code ▁} for a space) and merged pieces of common words, each reachable by pairwise merges.
 *
 * <p>The output weights of {@code <unk>}, {@code <s>} and {@code </s>} are zero, so greedy
 * decoding practically never picks them and generations run to their length limit.
 *
 * <pre>{@code
 * Path model = RandomLlamaModel.defaults().withSeed(7).write(dir.resolve("random.gguf"));
 * }</pre>
 *
 * @param architecture the model family whose layout it has
 * @param blockCount transformer blocks
 * @param embeddingLength width of the residual stream
 * @param feedForwardLength width of the feed-forward layer
 * @param headCount query heads; must divide {@code embeddingLength} into an even head size
 * @param headCountKv key/value heads; must divide {@code headCount}
 * @param contextLength the trained context length the metadata declares
 * @param weightType how the matrices are stored: F32 or F16 (norm weights are always F32, as
 *                   llama.cpp's converters write them)
 * @param seed seeds the weights
 */
public record RandomLlamaModel(Architecture architecture, int blockCount, int embeddingLength, int feedForwardLength,
                               int headCount, int headCountKv, int contextLength, GgmlType weightType, long seed) {

    /** The layouts it can write. */
    public enum Architecture {
        /** Llama: {@code llama.*} metadata, no per-head norms. */
        LLAMA("llama"),
        /**
         * Qwen3: {@code qwen3.*} metadata and an RMS norm over each query and key head
         * ({@code attn_q_norm}, {@code attn_k_norm}). llama.cpp b4916 predates it.
         */
        QWEN3("qwen3");

        private final String ggufName;

        Architecture(String ggufName) {
            this.ggufName = ggufName;
        }

        /** The {@code general.architecture} value, which also prefixes its metadata keys. */
        public String ggufName() {
            return ggufName;
        }
    }

    /** SentencePiece's visible space. */
    public static final String SPACE = "\u2581";
    public static final int UNK = 0;
    public static final int BOS = 1;
    public static final int EOS = 2;
    /** The id of byte-fallback token {@code <0x00>}; byte {@code b} is {@code FIRST_BYTE_TOKEN + b}. */
    public static final int FIRST_BYTE_TOKEN = 3;

    /** llama.cpp's {@code llama_token_type}. */
    private static final int NORMAL = 1;
    private static final int UNKNOWN = 2;
    private static final int CONTROL = 3;
    private static final int BYTE = 6;

    private static final String CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'\"-:;()";
    private static final List<String> WORDS = List.of(
            "the", "and", "was", "to", "a", "he", "she", "it", "in", "of", "her", "his", "they", "with", "said",
            "Once", "upon", "time", "there", "little", "girl", "boy", "named", "Lily", "Tim", "play", "day", "big",
            "happy", "friend", "ball", "One", "The", "She", "He", "They", "saw", "wanted", "loved", "park", "red",
            "but", "too", "high", "very", "dog", "cat", "tree", "sun", "fun", "went", "had", "mom", "so", "on",
            "ing", "ed", "er", "ly");

    public RandomLlamaModel {
        java.util.Objects.requireNonNull(architecture, "architecture");
        if (weightType != GgmlType.F32 && weightType != GgmlType.F16) {
            throw new IllegalArgumentException("weights are F32 or F16 (quantize them with llama.cpp), not " + weightType);
        }
        if (blockCount < 1 || embeddingLength < 1 || feedForwardLength < 1 || headCount < 1 || headCountKv < 1
                || contextLength < 1) {
            throw new IllegalArgumentException("every size must be at least 1");
        }
        if (embeddingLength % headCount != 0 || (embeddingLength / headCount) % 2 != 0) {
            throw new IllegalArgumentException("embeddingLength " + embeddingLength + " must split into " + headCount
                    + " heads of an even size (rope rotates pairs)");
        }
        if (headCount % headCountKv != 0) {
            throw new IllegalArgumentException("headCountKv " + headCountKv + " must divide headCount " + headCount);
        }
    }

    /** Llama, 2 blocks, embedding 32, feed-forward 64, 4 query heads, 2 KV heads, context 256, F32, seed 42. */
    public static RandomLlamaModel defaults() {
        return new RandomLlamaModel(Architecture.LLAMA, 2, 32, 64, 4, 2, 256, GgmlType.F32, 42);
    }

    public RandomLlamaModel withArchitecture(Architecture value) {
        return new RandomLlamaModel(value, blockCount, embeddingLength, feedForwardLength, headCount, headCountKv,
                contextLength, weightType, seed);
    }

    public RandomLlamaModel withSeed(long value) {
        return new RandomLlamaModel(architecture, blockCount, embeddingLength, feedForwardLength, headCount, headCountKv,
                contextLength, weightType, value);
    }

    public RandomLlamaModel withContextLength(int value) {
        return new RandomLlamaModel(architecture, blockCount, embeddingLength, feedForwardLength, headCount, headCountKv,
                value, weightType, seed);
    }

    public RandomLlamaModel withBlockCount(int value) {
        return new RandomLlamaModel(architecture, value, embeddingLength, feedForwardLength, headCount, headCountKv,
                contextLength, weightType, seed);
    }

    /** The width of the residual stream and the attention heads: {@code heads} query heads, {@code kvHeads} key/value heads. */
    public RandomLlamaModel withAttention(int embedding, int heads, int kvHeads) {
        return new RandomLlamaModel(architecture, blockCount, embedding, feedForwardLength, heads, kvHeads,
                contextLength, weightType, seed);
    }

    public RandomLlamaModel withFeedForwardLength(int value) {
        return new RandomLlamaModel(architecture, blockCount, embeddingLength, value, headCount, headCountKv,
                contextLength, weightType, seed);
    }

    public RandomLlamaModel withWeightType(GgmlType value) {
        return new RandomLlamaModel(architecture, blockCount, embeddingLength, feedForwardLength, headCount, headCountKv,
                contextLength, value, seed);
    }

    /** How many weights it has, norms included. */
    public long parameterCount() {
        long vocab = vocabularySize();
        long kvWidth = (long) headCountKv * headSize();
        long perBlock = 2L * embeddingLength * embeddingLength + 2L * embeddingLength * kvWidth
                + 3L * embeddingLength * feedForwardLength + 2L * embeddingLength
                + (architecture == Architecture.QWEN3 ? 2L * headSize() : 0);
        return 2 * vocab * embeddingLength + embeddingLength + blockCount * perBlock;
    }

    /** The size of one attention head. */
    public int headSize() {
        return embeddingLength / headCount;
    }

    /** The token strings, by id. Independent of the sizes and the seed. */
    public static List<String> tokens() {
        SequencedSet<String> tokens = new LinkedHashSet<>();
        tokens.add("<unk>");
        tokens.add("<s>");
        tokens.add("</s>");
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
        }
        tokens.add(SPACE);
        CHARACTERS.codePoints().forEach(c -> tokens.add(Character.toString(c)));
        for (String word : WORDS) {
            // every prefix, so the SentencePiece merge of "piece + next character" can reach the word;
            // with and without the leading space, since words start sentences and continue them
            for (String form : List.of(SPACE + word, word)) {
                for (int end = 2; end <= form.length(); end++) {
                    tokens.add(form.substring(0, end));
                }
            }
        }
        return List.copyOf(tokens);
    }

    /** The number of tokens in the vocabulary. */
    public static int vocabularySize() {
        return tokens().size();
    }

    /**
     * Writes the model.
     *
     * @return {@code path}
     */
    public Path write(Path path) {
        List<String> tokens = tokens();
        int vocab = tokens.size();
        float[] scores = new float[vocab];
        int[] types = new int[vocab];
        for (int i = 0; i < vocab; i++) {
            String token = tokens.get(i);
            if (i == UNK) {
                types[i] = UNKNOWN;
            } else if (i < FIRST_BYTE_TOKEN) {
                types[i] = CONTROL;
            } else if (i < FIRST_BYTE_TOKEN + 256) {
                types[i] = BYTE;
            } else {
                types[i] = NORMAL;
                // longer pieces first: SentencePiece merges the highest-scoring pair first
                scores[i] = token.getBytes(StandardCharsets.UTF_8).length * 10f - i * 0.001f;
            }
        }
        int kvWidth = headCountKv * headSize();
        String arch = architecture.ggufName();
        GgufWriter writer = new GgufWriter()
                .putString("general.architecture", arch)
                .putString("general.name", "random-" + arch)
                .putUInt32(arch + ".context_length", contextLength)
                .putUInt32(arch + ".embedding_length", embeddingLength)
                .putUInt32(arch + ".feed_forward_length", feedForwardLength)
                .putUInt32(arch + ".attention.head_count", headCount)
                .putUInt32(arch + ".attention.head_count_kv", headCountKv)
                .putUInt32(arch + ".block_count", blockCount)
                .putUInt32(arch + ".rope.dimension_count", headSize())
                .putFloat32(arch + ".attention.layer_norm_rms_epsilon", 1e-5f)
                .putUInt32(arch + ".vocab_size", vocab)
                .putString("tokenizer.ggml.model", "llama")
                .putStringArray("tokenizer.ggml.tokens", tokens)
                .putFloat32Array("tokenizer.ggml.scores", scores)
                .putInt32Array("tokenizer.ggml.token_type", types)
                .putUInt32("tokenizer.ggml.unknown_token_id", UNK)
                .putUInt32("tokenizer.ggml.bos_token_id", BOS)
                .putUInt32("tokenizer.ggml.eos_token_id", EOS)
                .putBool("tokenizer.ggml.add_bos_token", true)
                .putBool("tokenizer.ggml.add_eos_token", false);

        Random random = new Random(seed);
        GgmlType w = weightType;
        writer.addTensor("token_embd.weight", dims(embeddingLength, vocab), weights(random, embeddingLength, vocab), w);
        writer.addTensor("output_norm.weight", dims(embeddingLength), ones(embeddingLength));
        float[] output = weights(random, embeddingLength, vocab);
        // zero rows for <unk>, <s> and </s>: their logit is always 0, below the best of hundreds of
        // random ones, so greedy decoding runs to its length limit instead of stopping at a random EOS
        java.util.Arrays.fill(output, 0, FIRST_BYTE_TOKEN * embeddingLength, 0f);
        writer.addTensor("output.weight", dims(embeddingLength, vocab), output, w);
        for (int b = 0; b < blockCount; b++) {
            String p = "blk." + b + ".";
            writer.addTensor(p + "attn_q.weight", dims(embeddingLength, embeddingLength),
                    weights(random, embeddingLength, embeddingLength), w);
            writer.addTensor(p + "attn_k.weight", dims(embeddingLength, kvWidth), weights(random, embeddingLength, kvWidth), w);
            writer.addTensor(p + "attn_v.weight", dims(embeddingLength, kvWidth), weights(random, embeddingLength, kvWidth), w);
            writer.addTensor(p + "attn_output.weight", dims(embeddingLength, embeddingLength),
                    weights(random, embeddingLength, embeddingLength), w);
            writer.addTensor(p + "attn_norm.weight", dims(embeddingLength), ones(embeddingLength));
            if (architecture == Architecture.QWEN3) {
                writer.addTensor(p + "attn_q_norm.weight", dims(headSize()), ones(headSize()));
                writer.addTensor(p + "attn_k_norm.weight", dims(headSize()), ones(headSize()));
            }
            writer.addTensor(p + "ffn_gate.weight", dims(embeddingLength, feedForwardLength),
                    weights(random, embeddingLength, feedForwardLength), w);
            writer.addTensor(p + "ffn_down.weight", dims(feedForwardLength, embeddingLength),
                    weights(random, feedForwardLength, embeddingLength), w);
            writer.addTensor(p + "ffn_up.weight", dims(embeddingLength, feedForwardLength),
                    weights(random, embeddingLength, feedForwardLength), w);
            writer.addTensor(p + "ffn_norm.weight", dims(embeddingLength), ones(embeddingLength));
        }
        return writer.write(path);
    }

    private static long[] dims(long... dimensions) {
        return dimensions;
    }

    /** Gaussian weights scaled by 1/sqrt(fan-in), so activations neither vanish nor explode. */
    private static float[] weights(Random random, int in, int out) {
        float[] w = new float[in * out];
        double scale = 1.0 / Math.sqrt(in);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * scale);
        }
        return w;
    }

    private static float[] ones(int n) {
        float[] w = new float[n];
        java.util.Arrays.fill(w, 1f);
        return w;
    }
}
