package dev.jvmllm.onnx;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvmllm.api.ChatMessage;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.onnx.internal.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Built-in templates by name, and the model's own Jinja template from tokenizer_config.json. */
class ChatTemplateTest {
    private static final List<ChatMessage> CONVERSATION = List.of(
            new ChatMessage("system", "Be brief."),
            new ChatMessage("user", "Hi"),
            new ChatMessage("assistant", "Hello"),
            new ChatMessage("user", "Bye"));

    /** Qwen's template, reduced to its ChatML core. */
    private static final String CHATML_JINJA = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n'"
            + " + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** Llama 2's template: BOS and EOS by name, trimmed content, and a check that raises. */
    private static final String LLAMA2_JINJA = "{{ bos_token }}{% for message in messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] | trim + ' [/INST]' }}"
            + "{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'] | trim + ' ' + eos_token }}"
            + "{% endif %}{% endfor %}";

    @TempDir
    static Path dir;
    private static Path shared;

    @BeforeAll
    static void convert() {
        shared = TestModels.convertedRandom(dir);
    }

    @Test
    void chatmlByName() {
        try (Model model = open()) {
            assertThat(model.applyChatTemplate(CONVERSATION, Optional.of("chatml"), true)).isEqualTo("""
                    <|im_start|>system
                    Be brief.<|im_end|>
                    <|im_start|>user
                    Hi<|im_end|>
                    <|im_start|>assistant
                    Hello<|im_end|>
                    <|im_start|>user
                    Bye<|im_end|>
                    <|im_start|>assistant
                    """);
            assertThat(model.applyChatTemplate(List.of(new ChatMessage("user", " Hi ")), Optional.of("llama3"), false))
                    .isEqualTo("<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>");
        }
    }

    @Test
    void unknownNamesAndMissingTemplatesAreRefused() {
        try (Model model = open()) {
            assertThat(model.chatTemplate()).isEmpty();
            assertThatThrownBy(() -> model.applyChatTemplate(CONVERSATION, Optional.of("vicuna"), true))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("unknown chat template 'vicuna'; built-in templates: chatml, llama3, zephyr, phi3");
            assertThatThrownBy(() -> model.applyChatTemplate(CONVERSATION, Optional.empty(), true))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("the model has no chat template; name a built-in one: chatml, llama3, zephyr, phi3");
        }
    }

    @Test
    void theModelsJinjaTemplateRendersLikeTransformers(@TempDir Path own) throws IOException {
        Path converted = TestModels.convertedRandom(own);
        setTemplate(converted, CHATML_JINJA);
        try (Model model = open(converted)) {
            assertThat(model.chatTemplate()).contains(CHATML_JINJA);
            assertThat(model.applyChatTemplate(CONVERSATION, Optional.empty(), true))
                    .isEqualTo(model.applyChatTemplate(CONVERSATION, Optional.of("chatml"), true));
            assertThat(model.applyChatTemplate(CONVERSATION, Optional.empty(), false))
                    .isEqualTo(model.applyChatTemplate(CONVERSATION, Optional.of("chatml"), false));
        }
        setTemplate(converted, LLAMA2_JINJA);
        try (Model model = open(converted)) {
            List<ChatMessage> turns = CONVERSATION.subList(1, 4);
            assertThat(model.applyChatTemplate(turns, Optional.empty(), true))
                    .isEqualTo("<s>[INST] Hi [/INST] Hello </s>[INST] Bye [/INST]");
            assertThatThrownBy(() -> model.applyChatTemplate(CONVERSATION, Optional.empty(), true))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("Conversation roles must alternate user/assistant/user/assistant/...");
        }
    }

    private static void setTemplate(Path converted, String template) throws IOException {
        ObjectNode config = (ObjectNode) Json.MAPPER.readTree(converted.resolve("tokenizer_config.json").toFile());
        config.put("chat_template", template);
        Json.write(converted.resolve("tokenizer_config.json"), config);
    }

    private static Model open() {
        return open(shared);
    }

    private static Model open(Path directory) {
        return new OnnxBackend().open(directory, ModelOptions.defaults());
    }
}
