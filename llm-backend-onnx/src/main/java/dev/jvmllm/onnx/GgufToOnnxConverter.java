package dev.jvmllm.onnx;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvmllm.api.ModelLoadException;
import dev.jvmllm.onnx.internal.Json;
import dev.jvmllm.onnx.internal.convert.GgufLlama;
import dev.jvmllm.onnx.internal.convert.LlamaGraph;
import dev.jvmllm.onnx.internal.convert.LlamaHyperparameters;
import dev.jvmllm.onnx.internal.convert.SentencePieceTokenizerJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Converts a llama-architecture GGUF model into an ONNX model directory in the Hugging Face layout
 * that {@link OnnxBackend} opens: {@code model.onnx} (a decoder with KV cache, built in Java),
 * {@code config.json}, {@code tokenizer.json} (the GGUF's SentencePiece vocabulary) and
 * {@code tokenizer_config.json}.
 *
 * <p>Weights are stored as float32; GGUF tensors in F16, BF16, Q8_0 or Q4_0 are dequantized on the
 * way. Models whose weights exceed {@value #EXTERNAL_DATA_THRESHOLD} bytes in total keep them in
 * {@code model.onnx.data}, as ONNX does beyond protobuf's 2 GiB limit.
 *
 * <pre>{@code
 * GgufToOnnxConverter.convert(Path.of("stories260K.gguf"), Path.of("stories260K-onnx"));
 * try (Model model = Backends.open(Path.of("stories260K-onnx"))) { ... }
 * }</pre>
 */
public final class GgufToOnnxConverter {
    /** Total weight bytes above which every tensor over 1 KiB goes to the external data file. */
    public static final long EXTERNAL_DATA_THRESHOLD = 1L << 30;
    private static final long SMALL_TENSOR = 1024;

    private GgufToOnnxConverter() {
    }

    /**
     * Converts {@code gguf} into {@code outDir}, creating the directory if needed and replacing
     * the files it writes.
     *
     * @return {@code outDir}
     * @throws ModelLoadException if the GGUF is unreadable or not a supported llama model
     * @throws UncheckedIOException if the output cannot be written
     */
    public static Path convert(Path gguf, Path outDir) {
        GgufLlama source = GgufLlama.open(gguf);
        LlamaHyperparameters p = source.hyperparameters();
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + outDir, e);
        }
        LlamaGraph.build(p, source).write(outDir.resolve("model.onnx"), LlamaGraph.OPSET, "jvmllm",
                source.float32Bytes() > EXTERNAL_DATA_THRESHOLD ? SMALL_TENSOR : Long.MAX_VALUE);
        int unknown = source.tokenId("unknown").orElse(0);
        OptionalInt bos = source.tokenId("bos");
        OptionalInt eos = source.tokenId("eos");
        Json.write(outDir.resolve("config.json"), config(p, bos, eos));
        Json.write(outDir.resolve("tokenizer.json"), SentencePieceTokenizerJson.build(source.tokens(), source.scores(),
                source.tokenTypes(), unknown, bos.orElse(unknown), source.addBos() && bos.isPresent()));
        Json.write(outDir.resolve("tokenizer_config.json"), tokenizerConfig(source, p, unknown, bos, eos));
        return outDir;
    }

    private static ObjectNode config(LlamaHyperparameters p, OptionalInt bos, OptionalInt eos) {
        ObjectNode config = JsonNodeFactory.instance.objectNode();
        config.putArray("architectures").add("LlamaForCausalLM");
        config.put("model_type", "llama");
        config.put("vocab_size", p.vocabularySize());
        config.put("hidden_size", p.embeddingLength());
        config.put("intermediate_size", p.feedForwardLength());
        config.put("num_hidden_layers", p.blockCount());
        config.put("num_attention_heads", p.headCount());
        config.put("num_key_value_heads", p.headCountKv());
        config.put("head_dim", p.headDim());
        config.put("max_position_embeddings", p.contextLength());
        config.put("rms_norm_eps", p.rmsEpsilon());
        config.put("rope_theta", p.ropeFreqBase());
        if (p.ropeFreqScale() != 1f) {
            config.putObject("rope_scaling").put("rope_type", "linear").put("factor", 1 / p.ropeFreqScale());
        }
        config.put("hidden_act", "silu");
        config.put("tie_word_embeddings", false);
        config.put("torch_dtype", "float32");
        bos.ifPresent(id -> config.put("bos_token_id", id));
        eos.ifPresent(id -> config.put("eos_token_id", id));
        return config;
    }

    private static ObjectNode tokenizerConfig(GgufLlama source, LlamaHyperparameters p, int unknown, OptionalInt bos,
                                              OptionalInt eos) {
        var tokens = source.tokens();
        ObjectNode config = JsonNodeFactory.instance.objectNode();
        config.put("tokenizer_class", "LlamaTokenizer");
        config.put("add_bos_token", source.addBos() && bos.isPresent());
        config.put("add_eos_token", false);
        config.put("unk_token", tokens.get(unknown));
        bos.ifPresent(id -> config.put("bos_token", tokens.get(id)));
        eos.ifPresent(id -> config.put("eos_token", tokens.get(id)));
        config.put("model_max_length", p.contextLength());
        source.chatTemplate().ifPresent(template -> config.put("chat_template", template));
        return config;
    }
}
