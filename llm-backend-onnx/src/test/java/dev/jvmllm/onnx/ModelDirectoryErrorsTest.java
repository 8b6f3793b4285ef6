package dev.jvmllm.onnx;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvmllm.api.ModelLoadException;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.gguf.RandomLlamaModel;
import dev.jvmllm.onnx.internal.Json;
import dev.jvmllm.onnx.internal.graph.OnnxGraph;
import dev.jvmllm.onnx.internal.graph.OnnxGraph.Attribute;
import dev.jvmllm.onnx.internal.graph.OnnxGraph.ElementType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A model directory that cannot work is refused at open, with a message that says why. */
class ModelDirectoryErrorsTest {
    @TempDir
    static Path shared;
    private static Path converted;

    @TempDir
    Path dir;

    @BeforeAll
    static void convert() {
        converted = TestModels.convertedRandom(shared);
    }

    @Test
    void aDirectoryWithoutModelOnnx() throws IOException {
        Files.copy(converted.resolve("config.json"), dir.resolve("config.json"));
        assertThatThrownBy(() -> open(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(dir + " has no model.onnx");
    }

    @Test
    void aModelWithoutKvCacheInputs() throws IOException {
        Path model = copyOfConverted();
        // a decoder exported without its cache: tokens in, logits out
        int vocabulary = RandomLlamaModel.vocabularySize();
        OnnxGraph graph = new OnnxGraph("no-cache");
        graph.input("input_ids", ElementType.INT64, "batch_size", "sequence_length");
        graph.input("attention_mask", ElementType.INT64, "batch_size", "total_sequence_length");
        graph.output("logits", ElementType.FLOAT, "batch_size", "sequence_length", (long) vocabulary);
        String table = graph.floats("embedding", new long[] {vocabulary, vocabulary}, () -> new float[vocabulary * vocabulary]);
        graph.namedNode("Gather", "logits", List.of(table, "input_ids"), Attribute.of("axis", 0L));
        graph.write(model.resolve("model.onnx"), 17, "test", Long.MAX_VALUE);
        assertThatThrownBy(() -> open(model))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("has no KV-cache inputs (past_key_values.N.key / .value; its inputs are")
                .hasMessageContaining("text-generation-with-past");
    }

    @Test
    void aMissingTokenizer() throws IOException {
        Path model = copyOfConverted();
        Files.delete(model.resolve("tokenizer.json"));
        assertThatThrownBy(() -> open(model))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(model + " has no tokenizer.json");
    }

    @Test
    void aTokenizerWithMoreTokensThanTheModel() throws IOException {
        Path model = copyOfConverted();
        ObjectNode tokenizer = (ObjectNode) Json.MAPPER.readTree(model.resolve("tokenizer.json").toFile());
        int vocabulary = RandomLlamaModel.vocabularySize();
        tokenizer.withArray("added_tokens").addObject().put("id", vocabulary + 4).put("content", "<extra>")
                .put("special", true);
        Json.write(model.resolve("tokenizer.json"), tokenizer);
        assertThatThrownBy(() -> open(model))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("has " + (vocabulary + 5) + " tokens but the model has only " + vocabulary
                        + " logits: the tokenizer does not belong to this model");
    }

    @Test
    void aTokenizerOfAFarSmallerVocabulary() throws IOException {
        Path model = copyOfConverted();
        Json.write(model.resolve("tokenizer.json"), Json.MAPPER.readTree("""
                {"version": "1.0", "model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": []}}"""));
        assertThatThrownBy(() -> open(model))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("has 2 tokens but the model has " + RandomLlamaModel.vocabularySize() + " logits");
    }

    @Test
    void aConfigThatDisagreesWithTheGraph() throws IOException {
        Path model = copyOfConverted();
        editConfig(model, "num_key_value_heads", 3);
        assertThatThrownBy(() -> open(model))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("config.json says num_key_value_heads = 3 but model.onnx has 2 as dimension 1 of"
                        + " 'past_key_values.0.key'");
        editConfig(model, "num_key_value_heads", 2);
        editConfig(model, "num_hidden_layers", 5);
        assertThatThrownBy(() -> open(model))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("config.json says num_hidden_layers = 5 but model.onnx has 2 as its number of"
                        + " past_key_values layers");
        editConfig(model, "num_hidden_layers", 2);
        editConfig(model, "vocab_size", 1000);
        assertThatThrownBy(() -> open(model))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("config.json says vocab_size = 1000 but model.onnx has "
                        + RandomLlamaModel.vocabularySize() + " as dimension 2 of 'logits'");
    }

    @Test
    void aMissingConfig() throws IOException {
        Path model = copyOfConverted();
        Files.delete(model.resolve("config.json"));
        assertThatThrownBy(() -> open(model))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(model + " has no config.json");
    }

    @Test
    void aGgufThatIsNotLlamaIsNotConverted() {
        Path gguf = new dev.jvmllm.gguf.GgufWriter()
                .putString("general.architecture", "gpt2")
                .write(dir.resolve("gpt2.gguf"));
        assertThatThrownBy(() -> GgufToOnnxConverter.convert(gguf, dir.resolve("out")))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("has architecture 'gpt2'; only llama models convert to ONNX");
    }

    private Path copyOfConverted() throws IOException {
        Path copy = dir.resolve("model");
        Files.createDirectories(copy);
        try (var files = Files.list(converted)) {
            for (Path file : files.toList()) {
                Files.copy(file, copy.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return copy;
    }

    private static void editConfig(Path model, String key, int value) throws IOException {
        ObjectNode config = (ObjectNode) Json.MAPPER.readTree(model.resolve("config.json").toFile());
        config.put(key, value);
        Json.write(model.resolve("config.json"), config);
    }

    private static void open(Path path) {
        new OnnxBackend().open(path, ModelOptions.defaults()).close();
    }
}
