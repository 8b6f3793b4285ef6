package dev.jvmllm.chat;

import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static dev.jvmllm.chat.Fixtures.REPORT;
import static dev.jvmllm.chat.Fixtures.TOOLS;
import static dev.jvmllm.chat.Fixtures.WEATHER;
import static org.assertj.core.api.Assertions.assertThat;

/** Tools for templates without tool support: the system prompt's section, and the history in plain turns. */
class GenericToolsTest {
    private static final ChatTemplate GEMMA3 = ChatTemplate.of(Fixtures.template("google-gemma-3-it"), "<bos>", "<eos>");

    /** Two calls at once, their two results, and a user turn right after them: three user turns in a row for Gemma. */
    private static final List<ChatMessage> PARALLEL = List.of(
            ChatMessage.user("Weather and time in Rome?"),
            ChatMessage.assistantToolCalls(List.of(new ToolCall("call_1", "get_weather", "{\"city\": \"Rome\"}"),
                    new ToolCall("call_2", "get_time", "{\"city\": \"Rome\", \"format\": \"24h\"}"))),
            ChatMessage.toolResult("call_1", "cloudy"),
            new ChatMessage("tool", Optional.of(new ChatMessage.Text("14:05")), List.of(), Optional.of("call_2"), Optional.of("get_time")),
            ChatMessage.user("Thanks. Tomorrow too?"));

    @Test
    void gemma3GetsAlternatingTurns() {
        String prompt = GEMMA3.prompt(PARALLEL, List.of(WEATHER), ToolChoice.auto(), true).text();
        assertThat(prompt).isEqualTo("""
                <bos><start_of_turn>user
                %s

                Weather and time in Rome?<end_of_turn>
                <start_of_turn>model
                {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Rome"}}, {"name": "get_time", "arguments": \
                {"city": "Rome", "format": "24h"}}]}<end_of_turn>
                <start_of_turn>user
                {"result": {"id": "call_1", "name": "get_weather", "content": "cloudy"}}

                {"result": {"id": "call_2", "name": "get_time", "content": "14:05"}}

                Thanks. Tomorrow too?<end_of_turn>
                <start_of_turn>model
                """.formatted(ChatTemplateTest.WEATHER_SECTION));
    }

    @Test
    void withoutToolsTheHistoryIsStillPlain() {
        // tool_choice none: no section, and the calls still become text that the template can write
        String prompt = GEMMA3.prompt(PARALLEL, TOOLS, ToolChoice.none(), true).text();
        assertThat(prompt).startsWith("<bos><start_of_turn>user\nWeather and time in Rome?<end_of_turn>\n<start_of_turn>model\n"
                + "{\"tool_calls\": [{\"name\": \"get_weather\"");
        assertThat(prompt).doesNotContain("You can call tools");
        // an assistant's words before its calls stay before them
        String withText = GEMMA3.prompt(List.of(ChatMessage.user("Hi"), new ChatMessage("assistant",
                Optional.of(new ChatMessage.Text("Checking.")), List.of(new ToolCall("c", "get_weather", "{}")),
                Optional.empty(), Optional.empty())), List.of(), ToolChoice.auto(), true).text();
        assertThat(withText).endsWith("<start_of_turn>model\nChecking.\n\n{\"tool_calls\": [{\"name\": \"get_weather\","
                + " \"arguments\": {}}]}<end_of_turn>\n<start_of_turn>model\n");
    }

    @Test
    void theSectionSaysWhatTheChoiceDemands() {
        ChatTemplate smol = ChatTemplate.of(VocabularyModel.of(TestAssets.smolLm2()));
        List<ChatMessage> chat = List.of(ChatMessage.user("Rome?"));
        String tools = """
                <|im_start|>system
                You can call tools. Each is given as its name, what it does and the JSON Schema of its arguments:

                {"name": "get_weather", "description": "Get the current weather in a city", "parameters": {"type": "object", \
                "properties": {"city": {"type": "string"}}, "required": ["city"]}}
                {"name": "get_time", "description": "Get the local time in a city", "parameters": {"type": "object", \
                "properties": {"city": {"type": "string"}, "format": {"enum": ["12h", "24h"]}}, "required": ["city"]}}

                Answer with one JSON object and nothing else.\s""";
        String turn = "<|im_end|>\n<|im_start|>user\nRome?<|im_end|>\n<|im_start|>assistant\n";
        String one = "{\"tool_calls\": [{\"name\": \"<the tool's name>\", \"arguments\": {<its arguments>}}]}";
        assertThat(smol.prompt(chat, TOOLS, ToolChoice.required(), true).text())
                .isEqualTo(tools + "Call one or more tools: " + one + turn);
        assertThat(smol.prompt(chat, TOOLS, ToolChoice.required(), false).text())
                .isEqualTo(tools + "Call one tool: " + one + turn);
        assertThat(smol.prompt(chat, TOOLS, ToolChoice.auto(), false).text())
                .isEqualTo(tools + "To call a tool: " + one + "; to answer without them: {\"response\": \"<your answer>\"}" + turn);
        assertThat(smol.prompt(chat, TOOLS, ToolChoice.function("get_time"), true).text())
                .isEqualTo(tools + "Call the tool get_time: {\"tool_calls\": [{\"name\": \"get_time\", \"arguments\":"
                        + " {<its arguments>}}]}" + turn);
        // a response schema: the response is a JSON value that matches it, under auto only
        assertThat(smol.prompt(chat, TOOLS, ToolChoice.auto(), true, Optional.of(REPORT)).text())
                .isEqualTo(tools + "To call one or more tools: " + one + "; to answer without them: {\"response\": <your answer>},"
                        + " where your answer is a JSON value that matches this JSON Schema:\n{\"type\": \"object\", \"properties\":"
                        + " {\"city\": {\"type\": \"string\"}, \"weather\": {\"type\": \"string\"}}, \"required\": [\"city\","
                        + " \"weather\"], \"additionalProperties\": false}" + turn);
        for (ToolChoice choice : List.of(ToolChoice.required(), ToolChoice.function("get_time"), ToolChoice.none())) {
            assertThat(smol.prompt(chat, TOOLS, choice, true, Optional.of(REPORT)).text()).as(choice.toString())
                    .isEqualTo(smol.prompt(chat, TOOLS, choice, true).text());
        }
        // a tool without a description is listed without one
        Tool bare = new Tool("ping", Optional.empty(), Fixtures.json("{\"type\": \"object\", \"properties\": {}}"));
        assertThat(smol.prompt(chat, List.of(bare), ToolChoice.auto(), true).text())
                .contains("\n{\"name\": \"ping\", \"parameters\": {\"type\": \"object\", \"properties\": {}}}\n");
    }

    @Test
    void aStructuredAnswerReadsBackAsItsJsonText() {
        ChatPrompt prompt = GEMMA3.prompt(List.of(ChatMessage.user("Weather in Oslo?")), TOOLS, ToolChoice.auto(), true,
                Optional.of(REPORT));
        assertThat(prompt.constraint()).hasValueSatisfying(c -> assertThat(c.schema().path("anyOf").path(1)
                .path("properties").path("response")).isEqualTo(REPORT));
        ParsedOutput answer = prompt.parse("{\"response\": {\"city\": \"Oslo\", \"weather\": \"snow\"}}");
        assertThat(answer.content()).isEqualTo("{\"city\":\"Oslo\",\"weather\":\"snow\"}");
        assertThat(answer.toolCalls()).isEmpty();
    }

    @Test
    void aGeneratedCallReadsBackAndGoesIntoTheNextPrompt() {
        ChatPrompt prompt = GEMMA3.prompt(List.of(ChatMessage.user("Weather in Oslo?")), TOOLS, ToolChoice.auto(), true);
        ParsedOutput answer = prompt.parse("{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}]}");
        assertThat(answer.toolCalls()).singleElement().satisfies(call -> {
            assertThat(call.name()).isEqualTo("get_weather");
            assertThat(call.arguments()).isEqualTo("{\"city\":\"Oslo\"}");
        });
        ToolCall call = answer.toolCalls().getFirst();
        String next = GEMMA3.prompt(List.of(ChatMessage.user("Weather in Oslo?"), ChatMessage.assistantToolCalls(answer.toolCalls()),
                ChatMessage.toolResult(call.id(), "snow")), TOOLS, ToolChoice.auto(), true).text();
        assertThat(next).endsWith("<start_of_turn>model\n{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\":"
                + " \"Oslo\"}}]}<end_of_turn>\n<start_of_turn>user\n{\"result\": {\"id\": \"" + call.id()
                + "\", \"name\": \"get_weather\", \"content\": \"snow\"}}<end_of_turn>\n<start_of_turn>model\n");
    }
}
