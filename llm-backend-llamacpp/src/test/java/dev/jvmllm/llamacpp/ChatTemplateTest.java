package dev.jvmllm.llamacpp;

import dev.jvmllm.api.ChatMessage;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.Model;
import dev.jvmllm.gguf.GgufFile;
import dev.jvmllm.gguf.GgufTensor;
import dev.jvmllm.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Chat formatting through llama.cpp's built-in templates and the model's own, on both libraries. */
@ParameterizedClass
@ValueSource(strings = {Libraries.BUNDLED, Libraries.CURRENT})
class ChatTemplateTest {
    private static final List<ChatMessage> CHAT = List.of(
            new ChatMessage("system", "Be brief."),
            new ChatMessage("user", "Hi, 你好!"));
    private static final String CHATML_JINJA = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n'"
            + " + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    @Parameter
    String library;
    @TempDir
    Path dir;

    private Model open(Path path) {
        return Libraries.open(path, library);
    }

    /** The random model with a chat template added to its metadata. */
    private Path withTemplate(String template) {
        GgufFile random = GgufFile.open(TestModels.random(dir));
        GgufWriter writer = new GgufWriter();
        random.keyValues().forEach(writer::put);
        writer.putString("tokenizer.chat_template", template);
        for (GgufTensor t : random.tensors()) {
            writer.addRawTensor(t.name(), t.dimensions(), t.type(), random.readBytes(t));
        }
        return writer.write(dir.resolve("chat.gguf"));
    }

    @Test
    void builtinTemplatesByName() {
        try (Model model = open(TestModels.random(dir))) {
            assertThat(model.applyChatTemplate(CHAT, Optional.of("chatml"), true)).isEqualTo(
                    "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi, 你好!<|im_end|>\n<|im_start|>assistant\n");
            assertThat(model.applyChatTemplate(CHAT, Optional.of("chatml"), false)).isEqualTo(
                    "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi, 你好!<|im_end|>\n");
            assertThat(model.applyChatTemplate(CHAT, Optional.of("llama3"), true)).isEqualTo(
                    "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                            + "<|start_header_id|>user<|end_header_id|>\n\nHi, 你好!<|eot_id|>"
                            + "<|start_header_id|>assistant<|end_header_id|>\n\n");
            assertThat(model.applyChatTemplate(List.of(), Optional.of("chatml"), true))
                    .isEqualTo("<|im_start|>assistant\n");
            String longText = "x".repeat(100_000);
            assertThat(model.applyChatTemplate(List.of(new ChatMessage("user", longText)), Optional.of("chatml"), false))
                    .isEqualTo("<|im_start|>user\n" + longText + "<|im_end|>\n");
        }
    }

    @Test
    void aModelWithoutTemplateNeedsANamedOne() {
        try (Model model = open(TestModels.random(dir))) {
            assertThat(model.chatTemplate()).isEmpty();
            List<String> names = ((LlamaCppModel) model).builtinChatTemplates();
            assertThat(names).contains("chatml", "chatglm3", "llama3", "gemma");
            assertThatThrownBy(() -> model.applyChatTemplate(CHAT, Optional.empty(), true))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("the model random-llama has no chat template; name one of " + String.join(", ", names));
            assertThatThrownBy(() -> model.applyChatTemplate(CHAT, Optional.of("nosuch"), true))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("unknown chat template 'nosuch'; llama.cpp knows " + String.join(", ", names));
        }
    }

    @Test
    void theModelsOwnTemplate() {
        try (Model model = open(withTemplate(CHATML_JINJA))) {
            assertThat(model.chatTemplate()).contains(CHATML_JINJA);
            assertThat(model.applyChatTemplate(CHAT, Optional.empty(), true)).isEqualTo(
                    "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi, 你好!<|im_end|>\n<|im_start|>assistant\n");
        }
    }

    @Test
    void aTemplateLlamaCppDoesNotRecogniseIsRefused() {
        try (Model model = open(withTemplate("{{ messages | tojson }}"))) {
            assertThatThrownBy(() -> model.applyChatTemplate(CHAT, Optional.empty(), true))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("llama.cpp does not support the chat template of chat");
        }
    }

    @Test
    void storiesHasNoTemplate() {
        try (Model model = open(TestModels.stories())) {
            assertThat(model.chatTemplate()).isEmpty();
        }
    }
}
