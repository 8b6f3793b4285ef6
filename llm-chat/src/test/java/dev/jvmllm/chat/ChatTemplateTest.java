package dev.jvmllm.chat;

import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import static dev.jvmllm.chat.Fixtures.REPORT;
import static dev.jvmllm.chat.Fixtures.TOOLS;
import static dev.jvmllm.chat.Fixtures.WEATHER;
import static dev.jvmllm.chat.Fixtures.WEATHER_CHAT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Real templates rendered with a system prompt, two turns, a tool call and its result, compared
 * with what each template's own rules write, worked out by hand.
 */
class ChatTemplateTest {
    private static final Clock MARCH_5 = Clock.fixed(Instant.parse("2025-03-05T10:15:00Z"), ZoneOffset.UTC);
    private static final List<ChatMessage> CHAT = List.of(
            ChatMessage.system("Be brief."),
            ChatMessage.user("Hi"),
            ChatMessage.assistant("Hello"),
            ChatMessage.user("Bye"));

    /** What {@link GenericToolsTest} checks in detail: the system prompt's section on {@link Fixtures#WEATHER}. */
    static final String WEATHER_SECTION = """
            You can call tools. Each is given as its name, what it does and the JSON Schema of its arguments:

            {"name": "get_weather", "description": "Get the current weather in a city", "parameters": {"type": "object", \
            "properties": {"city": {"type": "string"}}, "required": ["city"]}}

            Answer with one JSON object and nothing else. To call one or more tools: {"tool_calls": [{"name": "<the tool's name>", \
            "arguments": {<its arguments>}}]}; to answer without them: {"response": "<your answer>"}""";

    @Test
    void smolLm2sOwnTemplateFromItsGgufWithToolsInTheSystemPrompt() {
        ChatTemplate template = ChatTemplate.of(VocabularyModel.of(TestAssets.smolLm2()));
        assertThat(template.toolCallFormat()).isEqualTo(ToolCallFormat.GENERIC);
        // ChatML, and a default system prompt only when the conversation has none
        assertThat(template.render(List.of(ChatMessage.user("Hi")), List.of(), true)).isEqualTo("""
                <|im_start|>system
                You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
                <|im_start|>user
                Hi<|im_end|>
                <|im_start|>assistant
                """);
        ChatPrompt prompt = template.prompt(WEATHER_CHAT, List.of(WEATHER), ToolChoice.auto(), true);
        assertThat(prompt.text()).isEqualTo("""
                <|im_start|>system
                You are a weather assistant.

                %s<|im_end|>
                <|im_start|>user
                What's the weather in Paris?<|im_end|>
                <|im_start|>assistant
                {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}<|im_end|>
                <|im_start|>user
                {"result": {"id": "abcDEF123", "name": "get_weather", "content": "sunny, 22 °C"}}<|im_end|>
                <|im_start|>assistant
                It is sunny in Paris.<|im_end|>
                <|im_start|>user
                And in Rome?<|im_end|>
                <|im_start|>assistant
                """.formatted(WEATHER_SECTION));
        assertThat(prompt.constraint()).isPresent();
    }

    @Test
    void gemma3sTemplateFoldsTheSystemPromptIntoTheFirstUserTurn() {
        VocabularyModel gemma = VocabularyModel.of(TestAssets.gemma3());
        assertThatThrownBy(() -> ChatTemplate.of(gemma))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("the model gemma-3-270m-q4_k_m has no chat template; name a built-in one: chatml, llama3, zephyr,"
                        + " phi3, gemma");
        // the Gemma 3 family's own template, with the 270M file's BOS and EOS
        ChatTemplate template = ChatTemplate.of(Fixtures.template("google-gemma-3-it"),
                gemma.tokenText(gemma.specialTokens().bos()), gemma.tokenText(gemma.specialTokens().eos()));
        assertThat(template.toolCallFormat()).isEqualTo(ToolCallFormat.GENERIC);
        ChatPrompt prompt = template.prompt(WEATHER_CHAT, List.of(WEATHER), ToolChoice.auto(), true);
        assertThat(prompt.text()).isEqualTo("""
                <bos><start_of_turn>user
                You are a weather assistant.

                %s

                What's the weather in Paris?<end_of_turn>
                <start_of_turn>model
                {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}<end_of_turn>
                <start_of_turn>user
                {"result": {"id": "abcDEF123", "name": "get_weather", "content": "sunny, 22 °C"}}<end_of_turn>
                <start_of_turn>model
                It is sunny in Paris.<end_of_turn>
                <start_of_turn>user
                And in Rome?<end_of_turn>
                <start_of_turn>model
                """.formatted(WEATHER_SECTION));
        // content as parts: the template takes the first part's text of a system prompt
        List<ChatMessage> parts = List.of(
                new ChatMessage("system", Optional.of(new ChatMessage.Parts(List.of("Be ", "brief."))), List.of(),
                        Optional.empty(), Optional.empty()),
                new ChatMessage("user", Optional.of(new ChatMessage.Parts(List.of(" Hi ", "there "))), List.of(),
                        Optional.empty(), Optional.empty()));
        assertThat(template.render(parts, List.of(), false)).isEqualTo("<bos><start_of_turn>user\nBe \n\nHithere<end_of_turn>\n");
        assertThatThrownBy(() -> template.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), List.of(), true))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("the chat template rejected the conversation: Conversation roles must alternate"
                        + " user/assistant/user/assistant/...");
    }

    @Test
    void qwen25WritesToolsAndCallsInHermesTags() {
        ChatTemplate template = ChatTemplate.of(Fixtures.template("Qwen-Qwen2.5-Instruct"), "", "<|im_end|>");
        assertThat(template.toolCallFormat()).isEqualTo(ToolCallFormat.HERMES);
        ChatPrompt prompt = template.prompt(WEATHER_CHAT, List.of(WEATHER), ToolChoice.auto(), true);
        assertThat(prompt.text()).isEqualTo("""
                <|im_start|>system
                You are a weather assistant.

                # Tools

                You may call one or more functions to assist with the user query.

                You are provided with function signatures within <tools></tools> XML tags:
                <tools>
                {"type": "function", "function": {"name": "get_weather", "description": "Get the current weather in a city", \
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
                </tools>

                For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:
                <tool_call>
                {"name": <function-name>, "arguments": <args-json-object>}
                </tool_call><|im_end|>
                <|im_start|>user
                What's the weather in Paris?<|im_end|>
                <|im_start|>assistant
                <tool_call>
                {"name": "get_weather", "arguments": {"city": "Paris"}}
                </tool_call><|im_end|>
                <|im_start|>user
                <tool_response>
                sunny, 22 °C
                </tool_response><|im_end|>
                <|im_start|>assistant
                It is sunny in Paris.<|im_end|>
                <|im_start|>user
                And in Rome?<|im_end|>
                <|im_start|>assistant
                """);
        assertThat(prompt.constraint()).isEmpty();
        // tool_choice none: no tools in the prompt, the history as it is
        assertThat(template.prompt(WEATHER_CHAT, List.of(WEATHER), ToolChoice.none(), true).text())
                .startsWith("<|im_start|>system\nYou are a weather assistant.<|im_end|>\n<|im_start|>user\n")
                .contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>");
    }

    @Test
    void qwen3KeepsTheLastTurnsThinkingAndReversesTheMessagesBySlice() {
        ChatTemplate template = ChatTemplate.of(Fixtures.template("Qwen-Qwen3-0.6B"), "", "<|im_end|>");
        assertThat(template.toolCallFormat()).isEqualTo(ToolCallFormat.HERMES);
        assertThat(template.prompt(WEATHER_CHAT, List.of(WEATHER), ToolChoice.auto(), true).text()).isEqualTo("""
                <|im_start|>system
                You are a weather assistant.

                # Tools

                You may call one or more functions to assist with the user query.

                You are provided with function signatures within <tools></tools> XML tags:
                <tools>
                {"type": "function", "function": {"name": "get_weather", "description": "Get the current weather in a city", \
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
                </tools>

                For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:
                <tool_call>
                {"name": <function-name>, "arguments": <args-json-object>}
                </tool_call><|im_end|>
                <|im_start|>user
                What's the weather in Paris?<|im_end|>
                <|im_start|>assistant
                <tool_call>
                {"name": "get_weather", "arguments": {"city": "Paris"}}
                </tool_call><|im_end|>
                <|im_start|>user
                <tool_response>
                sunny, 22 °C
                </tool_response><|im_end|>
                <|im_start|>assistant
                It is sunny in Paris.<|im_end|>
                <|im_start|>user
                And in Rome?<|im_end|>
                <|im_start|>assistant
                """);
        // reasoning is kept after the last user turn only
        List<ChatMessage> thinking = List.of(ChatMessage.user("Hi"), ChatMessage.assistant("<think>\nhmm\n</think>\n\nHello."),
                ChatMessage.user("Weather?"), ChatMessage.assistant("<think>\nlook it up\n</think>\n\nSunny."));
        assertThat(template.render(thinking, List.of(), false)).isEqualTo("""
                <|im_start|>user
                Hi<|im_end|>
                <|im_start|>assistant
                Hello.<|im_end|>
                <|im_start|>user
                Weather?<|im_end|>
                <|im_start|>assistant
                <think>
                look it up
                </think>

                Sunny.<|im_end|>
                """);
    }

    @Test
    void llama32PutsTheToolsInTheFirstUserTurnAndTodaysDateInTheSystemPrompt() {
        ChatTemplate template = ChatTemplate.of(Fixtures.template("meta-llama-Llama-3.2-3B-Instruct"), "<|begin_of_text|>",
                "<|eot_id|>").withClock(MARCH_5);
        assertThat(template.toolCallFormat()).isEqualTo(ToolCallFormat.LLAMA3);
        ChatPrompt prompt = template.prompt(WEATHER_CHAT, List.of(WEATHER), ToolChoice.auto(), true);
        assertThat(prompt.text()).isEqualTo("""
                <|begin_of_text|><|start_header_id|>system<|end_header_id|>

                Environment: ipython
                Cutting Knowledge Date: December 2023
                Today Date: 05 Mar 2025

                You are a weather assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>

                Given the following functions, please respond with a JSON for a function call with its proper arguments \
                that best answers the given prompt.

                Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.Do not \
                use variables.

                {
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "description": "Get the current weather in a city",
                        "parameters": {
                            "type": "object",
                            "properties": {
                                "city": {
                                    "type": "string"
                                }
                            },
                            "required": [
                                "city"
                            ]
                        }
                    }
                }

                What's the weather in Paris?<|eot_id|><|start_header_id|>assistant<|end_header_id|>

                {"name": "get_weather", "parameters": {"city": "Paris"}}<|eot_id|><|start_header_id|>ipython<|end_header_id|>

                "sunny, 22 \u00b0C"<|eot_id|><|start_header_id|>assistant<|end_header_id|>

                It is sunny in Paris.<|eot_id|><|start_header_id|>user<|end_header_id|>

                And in Rome?<|eot_id|><|start_header_id|>assistant<|end_header_id|>

                """);
        // without tools: no ipython environment, no tools turn
        assertThat(template.render(CHAT, List.of(), true)).isEqualTo("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 05 Mar 2025\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
                + "Hello<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThatThrownBy(() -> template.render(List.of(ChatMessage.assistantToolCalls(List.of(
                new ToolCall("a", "get_weather", "{}"), new ToolCall("b", "get_weather", "{}")))), List.of(), true))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("the chat template rejected the conversation: This model only supports single tool-calls at once!");
    }

    @Test
    void mistralNemoListsTheToolsBeforeTheLastUserTurn() {
        ChatTemplate template = ChatTemplate.of(Fixtures.template("mistralai-Mistral-Nemo-Instruct-2407"), "<s>", "</s>");
        assertThat(template.toolCallFormat()).isEqualTo(ToolCallFormat.MISTRAL);
        ChatPrompt prompt = template.prompt(WEATHER_CHAT, TOOLS, ToolChoice.auto(), true);
        assertThat(prompt.text()).isEqualTo("<s>[INST]What's the weather in Paris?[/INST]"
                + "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"abcDEF123\"}]</s>"
                + "[TOOL_RESULTS]{\"content\": sunny, 22 °C, \"call_id\": \"abcDEF123\"}[/TOOL_RESULTS]"
                + "It is sunny in Paris.</s>"
                + "[AVAILABLE_TOOLS][{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the"
                + " current weather in a city\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\":"
                + " \"string\"}}, \"required\": [\"city\"]}}}, {\"type\": \"function\", \"function\": {\"name\": \"get_time\","
                + " \"description\": \"Get the local time in a city\", \"parameters\": {\"type\": \"object\", \"properties\":"
                + " {\"city\": {\"type\": \"string\"}, \"format\": {\"enum\": [\"12h\", \"24h\"]}}, \"required\": [\"city\"]}}}]"
                + "[/AVAILABLE_TOOLS][INST]You are a weather assistant.\n\nAnd in Rome?[/INST]");
        assertThatThrownBy(() -> template.render(List.of(ChatMessage.user("Hi"),
                ChatMessage.assistantToolCalls(List.of(new ToolCall("call_123", "get_weather", "{}")))), List.of(), true))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("the chat template rejected the conversation: Tool call IDs should be alphanumeric strings with length 9!");
    }

    @Test
    void aResponseFormatWithToolsIsRefusedForTemplatesWithTheirOwnToolCallFormat() {
        for (String name : List.of("Qwen-Qwen2.5-Instruct", "meta-llama-Llama-3.2-3B-Instruct", "mistralai-Mistral-Nemo-Instruct-2407")) {
            ChatTemplate template = ChatTemplate.of(Fixtures.template(name), "<s>", "</s>").withClock(MARCH_5);
            for (ToolChoice choice : List.of(ToolChoice.auto(), ToolChoice.required(), ToolChoice.function("get_weather"))) {
                assertThatThrownBy(() -> template.prompt(WEATHER_CHAT, TOOLS, choice, true, Optional.of(REPORT)))
                        .as("%s %s", name, choice)
                        .isInstanceOf(InvalidRequestException.class)
                        .hasMessage("response_format together with tools is not supported for templates with their own"
                                + " tool-call format (" + template.toolCallFormat().name() + ")");
            }
            // without tools in play the caller constrains the output to the schema: the prompt is as without it
            for (List<Tool> tools : List.of(TOOLS, List.<Tool>of())) {
                ToolChoice choice = tools.isEmpty() ? ToolChoice.auto() : ToolChoice.none();
                ChatPrompt prompt = template.prompt(WEATHER_CHAT, tools, choice, true, Optional.of(REPORT));
                assertThat(prompt).as(name).isEqualTo(template.prompt(WEATHER_CHAT, tools, choice, true));
                assertThat(prompt.constraint()).as(name).isEmpty();
            }
        }
    }

    @Test
    void builtinTemplatesWriteWhatLlamaCppWrites() {
        VocabularyModel model = VocabularyModel.of(List.of("<s>", "</s>"), Optional.empty());
        assertThat(ChatTemplate.builtin("chatml", model).render(CHAT, List.of(), true)).isEqualTo("""
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
        assertThat(ChatTemplate.builtin("ChatML", model).render(List.of(), List.of(), true)).isEqualTo("<|im_start|>assistant\n");
        assertThat(ChatTemplate.builtin("llama3", model).render(List.of(ChatMessage.user(" Hi ")), List.of(), false))
                .isEqualTo("<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>");
        assertThat(ChatTemplate.builtin("zephyr", model).render(CHAT.subList(1, 2), List.of(), true))
                .isEqualTo("<|user|>\nHi<|endoftext|>\n<|assistant|>\n");
        assertThat(ChatTemplate.builtin("phi3", model).render(CHAT.subList(1, 2), List.of(), true))
                .isEqualTo("<|user|>\nHi<|end|>\n<|assistant|>\n");
        assertThat(ChatTemplate.builtin("gemma", model).render(CHAT, List.of(), true)).isEqualTo("""
                <start_of_turn>user
                Be brief.

                Hi<end_of_turn>
                <start_of_turn>model
                Hello<end_of_turn>
                <start_of_turn>user
                Bye<end_of_turn>
                <start_of_turn>model
                """);
        // parts are joined
        List<ChatMessage> parts = List.of(new ChatMessage("user", Optional.of(new ChatMessage.Parts(List.of("Hi, ", "你好!"))),
                List.of(), Optional.empty(), Optional.empty()));
        assertThat(ChatTemplate.builtin("chatml", model).render(parts, List.of(), false)).isEqualTo("<|im_start|>user\nHi, 你好!<|im_end|>\n");
        assertThat(ChatTemplate.builtinNames()).containsExactly("chatml", "llama3", "zephyr", "phi3", "gemma");
        assertThat(ChatTemplate.builtinNames()).allSatisfy(name ->
                assertThat(ChatTemplate.builtin(name, model).toolCallFormat()).isEqualTo(ToolCallFormat.GENERIC));
    }

    @Test
    void theBuiltinGemmaTemplateGivesGemma3ThePromptLlamaCppGivesIt() {
        VocabularyModel gemma = VocabularyModel.of(TestAssets.gemma3());
        List<ChatMessage> chat = List.of(ChatMessage.system("You are a helpful assistant."),
                ChatMessage.user("What is the capital of France?"));
        assertThat(ChatTemplate.builtin("gemma", gemma).render(chat, List.of(), true)).isEqualTo(
                "<start_of_turn>user\nYou are a helpful assistant.\n\nWhat is the capital of France?<end_of_turn>\n"
                        + "<start_of_turn>model\n");
    }

    @Test
    void unknownBuiltinsAndMissingTemplatesAreRefusedWithTheNames() {
        VocabularyModel model = VocabularyModel.of(List.of("<s>", "</s>"), Optional.empty());
        assertThatThrownBy(() -> ChatTemplate.builtin("vicuna", model))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("unknown chat template 'vicuna'; built-in templates: chatml, llama3, zephyr, phi3, gemma");
        assertThatThrownBy(() -> ChatTemplate.of(model))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("the model test-vocabulary has no chat template; name a built-in one: chatml, llama3, zephyr,"
                        + " phi3, gemma");
    }

    @Test
    void bosAndEosAreTheVocabularysTexts() {
        VocabularyModel model = VocabularyModel.of(List.of("<|begin|>", "<|end|>"), Optional.of("{{ bos_token }}x{{ eos_token }}"));
        assertThat(ChatTemplate.of(model).render(List.of(), List.of(), false)).isEqualTo("<|begin|>x<|end|>");
    }

    @Test
    void aCallsArgumentsMustBeJson() {
        ChatTemplate template = ChatTemplate.of(Fixtures.template("Qwen-Qwen2.5-Instruct"), "", "<|im_end|>");
        assertThatThrownBy(() -> template.render(List.of(ChatMessage.assistantToolCalls(List.of(
                new ToolCall("call_1", "get_weather", "{city: Paris}")))), List.of(), false))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageStartingWith("the arguments of tool call 'call_1' (get_weather) are not JSON: ");
    }
}
