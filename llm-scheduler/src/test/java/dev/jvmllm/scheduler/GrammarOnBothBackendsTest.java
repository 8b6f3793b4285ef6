package dev.jvmllm.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvmllm.api.Backends;
import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.grammar.Grammar;
import dev.jvmllm.onnx.GgufToOnnxConverter;
import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A JSON Schema and a GBNF grammar held during sampling on both backends: stories260K through
 * llama.cpp and converted to ONNX, 8 sampled requests at once, each with its own seed, half of
 * them constrained. A model that has only seen children's stories still writes valid JSON.
 */
class GrammarOnBothBackendsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"llamacpp", "onnx"})
    void constrainedOutputsMatchWhileFreeOnesShareTheirBatches(String backend) throws Exception {
        Path gguf = TestAssets.stories();
        JsonNode schema = JSON.readTree("""
                {"type": "object",
                 "properties": {"name": {"type": "string", "maxLength": 12},
                                "age": {"type": "integer", "minimum": 0, "maximum": 120},
                                "pets": {"type": "array", "items": {"enum": ["cat", "dog"]}, "maxItems": 3}},
                 "required": ["name", "age", "pets"], "additionalProperties": false}
                """);
        Grammar json = Grammar.jsonSchema(schema);
        Grammar words = Grammar.gbnf("root ::= word (\" \" word){2}\nword ::= [a-z]{1,8}");
        try (Model model = backend.equals("onnx")
                ? Backends.open(GgufToOnnxConverter.convert(gguf, dir.resolve("stories-onnx")))
                : Backends.open(gguf);
             Scheduler scheduler = Schedulers.create(model, SchedulerOptions.defaults().withMaxSequences(8)
                     .withContextSize(256))) {
            List<GenerationHandle> handles = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                GenerationRequest request = GenerationRequest.of("Once upon a time", SamplingParams.builder()
                        .temperature(0.8).seed(i).maxTokens(120).build());
                handles.add(scheduler.submit(switch (i % 4) {
                    case 0 -> request.withConstraint(json);
                    case 1 -> request.withConstraint(words);
                    default -> request;
                }));
            }
            for (int i = 0; i < handles.size(); i++) {
                GenerationResult result = handles.get(i).result().join();
                switch (i % 4) {
                    case 0 -> {
                        assertThat(result.finishReason()).as(result.text()).isEqualTo(FinishReason.STOP);
                        JsonNode value = JSON.readTree(result.text());
                        assertThat(value.get("name").asText().length()).isLessThanOrEqualTo(12);
                        assertThat(value.get("age").asInt()).isBetween(0, 120);
                        assertThat(value.get("pets").size()).isLessThanOrEqualTo(3);
                        assertThat(value.properties()).hasSize(3);
                    }
                    case 1 -> assertThat(result.text()).matches("[a-z]{1,8} [a-z]{1,8} [a-z]{1,8}");
                    default -> assertThat(result.completionTokens()).isPositive();
                }
            }
        }
    }
}
