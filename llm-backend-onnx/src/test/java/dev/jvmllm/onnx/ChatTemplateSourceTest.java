package dev.jvmllm.onnx;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.onnx.internal.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where an ONNX model's chat template comes from (llm-chat renders it, as it renders every
 * backend's): {@code tokenizer_config.json}'s {@code chat_template}, else the newer exports'
 * {@code chat_template.jinja}; and the texts of its special tokens, which templates write as
 * {@code bos_token} and {@code eos_token}.
 */
class ChatTemplateSourceTest {
    private static final String JINJA = "{% for message in messages %}{{ message['content'] }}{% endfor %}";

    @Test
    void aConvertedModelWithoutATemplateHasNone(@TempDir Path dir) {
        try (Model model = open(TestModels.convertedRandom(dir))) {
            assertThat(model.chatTemplate()).isEmpty();
        }
    }

    @Test
    void theTemplateOfTokenizerConfigComesFirstThenChatTemplateJinja(@TempDir Path dir) throws IOException {
        Path converted = TestModels.convertedRandom(dir);
        Files.writeString(converted.resolve("chat_template.jinja"), "{{ 'from the jinja file' }}");
        try (Model model = open(converted)) {
            assertThat(model.chatTemplate()).contains("{{ 'from the jinja file' }}");
        }
        ObjectNode config = (ObjectNode) Json.MAPPER.readTree(converted.resolve("tokenizer_config.json").toFile());
        config.put("chat_template", JINJA);
        Json.write(converted.resolve("tokenizer_config.json"), config);
        try (Model model = open(converted)) {
            assertThat(model.chatTemplate()).contains(JINJA);
        }
    }

    @Test
    void specialTokensHaveTheirVocabularyText(@TempDir Path dir) {
        try (Model model = open(TestModels.convertedRandom(dir))) {
            int bos = model.specialTokens().bos();
            assertThat(model.tokenText(bos)).isNotEmpty();
            assertThat(model.tokenize(model.tokenText(bos), false)).containsExactly(bos);
        }
    }

    private static Model open(Path directory) {
        return new OnnxBackend().open(directory, ModelOptions.defaults());
    }
}
