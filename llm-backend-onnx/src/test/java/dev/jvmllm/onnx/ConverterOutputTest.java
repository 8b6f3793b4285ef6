package dev.jvmllm.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.gguf.RandomLlamaModel;
import dev.jvmllm.onnx.internal.Json;
import dev.jvmllm.onnx.internal.convert.GgufLlama;
import dev.jvmllm.onnx.internal.convert.LlamaGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** What the converter writes: the Hugging Face files with the GGUF's numbers, and a model that decodes deterministically. */
class ConverterOutputTest {

    @Test
    void writesTheHuggingFaceLayout(@TempDir Path dir) throws IOException {
        Path onnx = TestModels.convertedRandom(dir);
        try (var files = Files.list(onnx)) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
                    .containsExactly("config.json", "model.onnx", "tokenizer.json", "tokenizer_config.json");
        }
        JsonNode config = Json.MAPPER.readTree(onnx.resolve("config.json").toFile());
        assertThat(config.get("model_type").asText()).isEqualTo("llama");
        assertThat(config.get("vocab_size").asInt()).isEqualTo(RandomLlamaModel.vocabularySize());
        assertThat(config.get("hidden_size").asInt()).isEqualTo(32);
        assertThat(config.get("intermediate_size").asInt()).isEqualTo(64);
        assertThat(config.get("num_hidden_layers").asInt()).isEqualTo(2);
        assertThat(config.get("num_attention_heads").asInt()).isEqualTo(4);
        assertThat(config.get("num_key_value_heads").asInt()).isEqualTo(2);
        assertThat(config.get("head_dim").asInt()).isEqualTo(8);
        assertThat(config.get("max_position_embeddings").asInt()).isEqualTo(256);
        assertThat(config.get("rope_theta").asDouble()).isEqualTo(10000.0);
        assertThat(config.get("bos_token_id").asInt()).isEqualTo(RandomLlamaModel.BOS);
        assertThat(config.get("eos_token_id").asInt()).isEqualTo(RandomLlamaModel.EOS);
        JsonNode tokenizer = Json.MAPPER.readTree(onnx.resolve("tokenizer.json").toFile());
        assertThat(tokenizer.at("/model/type").asText()).isEqualTo("BPE");
        assertThat(tokenizer.at("/model/vocab").size()).isEqualTo(RandomLlamaModel.vocabularySize());
        assertThat(tokenizer.at("/model/byte_fallback").asBoolean()).isTrue();
        // the longest piece scores highest in the random vocabulary, and its split with the lowest ids comes first
        assertThat(tokenizer.at("/model/merges/0").toString()).isEqualTo("[\"▁\",\"little\"]");
        assertThat(tokenizer.at("/model/merges/1").toString()).isEqualTo("[\"▁littl\",\"e\"]");
        JsonNode tokenizerConfig = Json.MAPPER.readTree(onnx.resolve("tokenizer_config.json").toFile());
        assertThat(tokenizerConfig.get("bos_token").asText()).isEqualTo("<s>");
        assertThat(tokenizerConfig.get("eos_token").asText()).isEqualTo("</s>");
        assertThat(tokenizerConfig.get("add_bos_token").asBoolean()).isTrue();
    }

    @Test
    void theRandomModelDecodesTheSameTokensEveryTime(@TempDir Path dir) {
        Path onnx = TestModels.convertedRandom(dir);
        int[][] runs = new int[2][];
        for (int run = 0; run < 2; run++) {
            try (Model model = new OnnxBackend().open(onnx, ModelOptions.defaults());
                 BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults().withContextSize(64))) {
                runs[run] = TestModels.greedy(processor, 0, model.tokenize("Once upon a time", true), 16);
            }
        }
        assertThat(runs[1]).containsExactly(runs[0]);
        assertThat(java.util.Arrays.stream(runs[0]).allMatch(t -> t >= 0 && t < RandomLlamaModel.vocabularySize())).isTrue();
    }

    @Test
    void largeModelsKeepTheirWeightsInExternalData(@TempDir Path dir) throws IOException {
        Path gguf = RandomLlamaModel.defaults().write(dir.resolve("random.gguf"));
        Path inline = GgufToOnnxConverter.convert(gguf, dir.resolve("inline"));
        Path external = dir.resolve("external");
        Files.createDirectories(external);
        Files.copy(inline.resolve("config.json"), external.resolve("config.json"));
        Files.copy(inline.resolve("tokenizer.json"), external.resolve("tokenizer.json"));
        GgufLlama source = GgufLlama.open(gguf);
        // every tensor over 1 KiB goes out, as the converter does for models over 1 GiB
        LlamaGraph.build(source.hyperparameters(), source).write(external.resolve("model.onnx"), LlamaGraph.OPSET,
                "test", 1024);
        assertThat(external.resolve("model.onnx.data")).exists();
        assertThat(Files.size(external.resolve("model.onnx"))).isLessThan(Files.size(inline.resolve("model.onnx")) / 4);
        int[][] tokens = new int[2][];
        int i = 0;
        for (Path directory : new Path[] {inline, external}) {
            try (Model model = new OnnxBackend().open(directory, ModelOptions.defaults());
                 BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults().withContextSize(64))) {
                tokens[i++] = TestModels.greedy(processor, 0, new int[] {1, 300, 301}, 12);
            }
        }
        assertThat(tokens[1]).containsExactly(tokens[0]);
    }
}
