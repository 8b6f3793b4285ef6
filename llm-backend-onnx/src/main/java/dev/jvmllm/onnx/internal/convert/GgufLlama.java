package dev.jvmllm.onnx.internal.convert;

import dev.jvmllm.api.ModelLoadException;
import dev.jvmllm.gguf.GgufFile;
import dev.jvmllm.gguf.GgufTensor;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * A llama-architecture GGUF file read for conversion: its hyperparameters, its SentencePiece
 * vocabulary and its weights, each checked against the others before anything is written.
 */
public final class GgufLlama implements LlamaGraph.Weights {
    private final GgufFile file;
    private final LlamaHyperparameters hyperparameters;

    private GgufLlama(GgufFile file, LlamaHyperparameters hyperparameters) {
        this.file = file;
        this.hyperparameters = hyperparameters;
    }

    /**
     * Reads and checks the file.
     *
     * @throws ModelLoadException if it is not a llama model this converter supports, or its
     *                            tensors disagree with its metadata
     */
    public static GgufLlama open(Path path) {
        GgufFile file;
        try {
            file = GgufFile.open(path);
        } catch (RuntimeException e) {
            throw new ModelLoadException("cannot read " + path + ": " + e.getMessage(), e);
        }
        String architecture = file.architecture().orElse("(none)");
        if (!architecture.equals("llama")) {
            throw new ModelLoadException(path + " has architecture '" + architecture + "'; only llama models convert to ONNX");
        }
        String tokenizerModel = file.getString("tokenizer.ggml.model").orElse("(none)");
        if (!tokenizerModel.equals("llama")) {
            throw new ModelLoadException(path + " has tokenizer model '" + tokenizerModel
                    + "'; only SentencePiece vocabularies (tokenizer.ggml.model = llama) convert to tokenizer.json");
        }
        int embedding = require(file, "llama.embedding_length");
        int heads = require(file, "llama.attention.head_count");
        int headDim = file.getInt("llama.attention.key_length").orElse(embedding / heads);
        int ropeDim = file.getInt("llama.rope.dimension_count").orElse(headDim);
        if (ropeDim != headDim) {
            throw new ModelLoadException(path + " rotates " + ropeDim + " of " + headDim
                    + " head dimensions; partial RoPE is not supported by the converter");
        }
        int vocabulary = file.getInt("llama.vocab_size")
                .orElseGet(() -> file.getStringArray("tokenizer.ggml.tokens").map(List::size).orElse(0));
        LlamaHyperparameters p;
        try {
            p = new LlamaHyperparameters(vocabulary, embedding, require(file, "llama.feed_forward_length"),
                    require(file, "llama.block_count"), heads, file.getInt("llama.attention.head_count_kv").orElse(heads),
                    headDim, (float) file.getDouble("llama.rope.freq_base").orElse(10000),
                    ropeFreqScale(file, path), (float) file.getDouble("llama.attention.layer_norm_rms_epsilon").orElse(1e-5),
                    require(file, "llama.context_length"));
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(path + ": " + e.getMessage(), e);
        }
        GgufLlama model = new GgufLlama(file, p);
        model.checkTensors();
        return model;
    }

    /** The model's shape. */
    public LlamaHyperparameters hyperparameters() {
        return hyperparameters;
    }

    /** The token texts by id. */
    public List<String> tokens() {
        return file.getStringArray("tokenizer.ggml.tokens").orElseThrow(
                () -> new ModelLoadException(file.path() + " has no tokenizer.ggml.tokens"));
    }

    /** The token scores by id; without scores, earlier ids merge first (as SentencePiece orders them). */
    public float[] scores() {
        return file.getFloatArray("tokenizer.ggml.scores").orElseGet(() -> {
            float[] scores = new float[tokens().size()];
            for (int id = 0; id < scores.length; id++) {
                scores[id] = -id;
            }
            return scores;
        });
    }

    /** llama.cpp's token type of each id; without types every token is normal. */
    public int[] tokenTypes() {
        return file.getIntArray("tokenizer.ggml.token_type").orElseGet(() -> {
            int[] types = new int[tokens().size()];
            Arrays.fill(types, SentencePieceTokenizerJson.NORMAL);
            return types;
        });
    }

    /** An optional token id from {@code tokenizer.ggml.<name>_token_id}; absent also when it holds -1 as uint32. */
    public OptionalInt tokenId(String name) {
        long id = file.getLong("tokenizer.ggml." + name + "_token_id").orElse(-1);
        return id >= 0 && id < tokens().size() ? OptionalInt.of((int) id) : OptionalInt.empty();
    }

    /** Whether prompts start with BOS: {@code tokenizer.ggml.add_bos_token}, true for SentencePiece by default. */
    public boolean addBos() {
        return file.getBoolean("tokenizer.ggml.add_bos_token").orElse(true);
    }

    /** The chat template stored in the GGUF, if any. */
    public java.util.Optional<String> chatTemplate() {
        return file.getString("tokenizer.chat_template");
    }

    /** The model's name from {@code general.name}. */
    public java.util.Optional<String> name() {
        return file.getString("general.name");
    }

    /** The size of all weights as float32, which is how the ONNX graph stores them. */
    public long float32Bytes() {
        return file.tensors().stream().mapToLong(t -> t.elementCount() * Float.BYTES).sum();
    }

    @Override
    public float[] read(String name) {
        return file.readF32(file.tensor(name).orElseThrow());
    }

    @Override
    public boolean has(String name) {
        return file.tensor(name).isPresent();
    }

    private void checkTensors() {
        LlamaHyperparameters p = hyperparameters;
        int e = p.embeddingLength();
        int q = p.headCount() * p.headDim();
        int kv = p.headCountKv() * p.headDim();
        int f = p.feedForwardLength();
        expect("token_embd.weight", e, p.vocabularySize());
        expect("output_norm.weight", e);
        if (has("output.weight")) {
            expect("output.weight", e, p.vocabularySize());
        }
        for (int b = 0; b < p.blockCount(); b++) {
            String prefix = "blk." + b + ".";
            expect(prefix + "attn_norm.weight", e);
            expect(prefix + "attn_q.weight", e, q);
            expect(prefix + "attn_k.weight", e, kv);
            expect(prefix + "attn_v.weight", e, kv);
            expect(prefix + "attn_output.weight", q, e);
            expect(prefix + "ffn_norm.weight", e);
            expect(prefix + "ffn_gate.weight", e, f);
            expect(prefix + "ffn_up.weight", e, f);
            expect(prefix + "ffn_down.weight", f, e);
        }
        int tokens = tokens().size();
        if (tokens != p.vocabularySize()) {
            throw new ModelLoadException(file.path() + " has " + tokens + " tokens but an embedding for "
                    + p.vocabularySize());
        }
    }

    /** Checks a tensor's ggml dimensions (innermost first). */
    private void expect(String name, long... dimensions) {
        GgufTensor tensor = file.tensor(name).orElseThrow(() -> new ModelLoadException(file.path()
                + " has no tensor " + name));
        if (!Arrays.equals(tensor.dimensions(), dimensions)) {
            throw new ModelLoadException("tensor " + name + " of " + file.path() + " is "
                    + Arrays.toString(tensor.dimensions()) + " but the metadata implies " + Arrays.toString(dimensions));
        }
    }

    private static int require(GgufFile file, String key) {
        return file.getInt(key).orElseThrow(() -> new ModelLoadException(file.path() + " lacks metadata " + key));
    }

    /** llama.cpp's linear RoPE scaling: positions are multiplied by 1 / factor. */
    private static float ropeFreqScale(GgufFile file, Path path) {
        String type = file.getString("llama.rope.scaling.type").orElse("none");
        double factor = file.getDouble("llama.rope.scaling.factor")
                .orElse(file.getDouble("llama.rope.scale_linear").orElse(1));
        if (!type.equals("none") && !type.equals("linear")) {
            throw new ModelLoadException(path + " uses RoPE scaling '" + type + "'; only linear scaling converts");
        }
        return factor > 0 ? (float) (1 / factor) : 1f;
    }
}
