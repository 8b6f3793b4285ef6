package dev.jvmllm.chat;

import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.jvmllm.chat.Fixtures.TOOLS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** Whole outputs read as content and calls, for each format. */
class ParseOutputTest {
    private static final String PARIS = "{\"city\":\"Paris\"}";

    private static ParsedOutput parse(ToolCallFormat format, String output) {
        return format.parse(output, TOOLS);
    }

    /** The content, and the calls as their names and arguments, in pairs. */
    private static void assertCalls(ParsedOutput parsed, String content, String... namesAndArguments) {
        assertThat(parsed.content()).isEqualTo(content);
        List<Tuple> calls = new ArrayList<>();
        for (int i = 0; i < namesAndArguments.length; i += 2) {
            calls.add(tuple(namesAndArguments[i], namesAndArguments[i + 1]));
        }
        assertThat(parsed.toolCalls()).extracting(ToolCall::name, ToolCall::arguments).containsExactlyElementsOf(calls);
    }

    @Test
    void contentOnly() {
        for (ToolCallFormat format : ToolCallFormat.values()) {
            String text = "The weather in Paris: sunny, 22 °C.\n\nAnything else?";
            assertCalls(parse(format, text), text);
            assertCalls(parse(format, ""), "");
        }
    }

    @Test
    void hermes() {
        ToolCallFormat f = ToolCallFormat.HERMES;
        assertCalls(parse(f, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"), "",
                "get_weather", PARIS);
        assertCalls(parse(f, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n"
                        + "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"city\": \"Rome\", \"format\": \"24h\"}}\n</tool_call>"),
                "", "get_weather", PARIS, "get_time", "{\"city\":\"Rome\",\"format\":\"24h\"}");
        assertCalls(parse(f, "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"),
                "Let me check.", "get_weather", PARIS);
        // text after the calls stays; the whitespace around them goes
        assertCalls(parse(f, "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}</tool_call>\n\nDone.\n"),
                "\n\nDone.\n", "get_weather", PARIS);
        // the arguments first, no closing tag, no arguments
        assertCalls(parse(f, "<tool_call>\n{\"arguments\": {\"city\": \"Paris\"}, \"name\": \"get_weather\"}"), "", "get_weather", PARIS);
        assertCalls(parse(f, "<tool_call>{\"name\": \"get_time\"}</tool_call>"), "", "get_time", "{}");
        // compacted, escapes as written
        assertCalls(parse(f, "<tool_call>{\"name\": \"get_time\", \"arguments\": {\"city\" : \"Par\\\"is \\u00e9\" ,\n"
                        + " \"x\": [1, -2.5e+3, {\"y\": null}], \"z\": true}}</tool_call>"),
                "", "get_time", "{\"city\":\"Par\\\"is \\u00e9\",\"x\":[1,-2.5e+3,{\"y\":null}],\"z\":true}");
    }

    @Test
    void hermesOutputThatIsNoCallIsContent() {
        ToolCallFormat f = ToolCallFormat.HERMES;
        for (String output : List.of(
                "<tool_call>\n{\"name\": get_weather}\n</tool_call>",
                "<tool_call>\nnot JSON\n</tool_call>",
                "<tool_call>\n{\"name\": \"get_stock\", \"arguments\": {\"symbol\": \"X\"}}\n</tool_call>",
                "<tool_call>\n{\"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",
                "Writing <tool_call> by hand",
                "<tool_call")) {
            // breaks before the name is complete (or names no tool): all of it is content, as written
            assertCalls(parse(f, output), output);
        }
        // breaks after the call began: the call stands, cut where it broke, as when the output is cut
        assertCalls(parse(f, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Par"), "", "get_weather",
                "{\"city\":\"Par");
        assertCalls(parse(f, "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": ]}</tool_call>"), "]}</tool_call>",
                "get_weather", "{\"city\":");
    }

    @Test
    void llama3() {
        ToolCallFormat f = ToolCallFormat.LLAMA3;
        assertCalls(parse(f, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}"), "", "get_weather", PARIS);
        assertCalls(parse(f, "<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}"), "",
                "get_weather", PARIS);
        assertCalls(parse(f, "{\"type\": \"function\", \"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}"), "",
                "get_weather", PARIS);
        assertCalls(parse(f, "Checking.\n\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}"), "Checking.",
                "get_weather", PARIS);
        for (String output : List.of("Use {x} or {\"a\": 1}.", "{\"name\": \"Bob\", \"age\": 3}", "{}", "{\"name\": 1}",
                "<|python_tag|>brave_search.call(query=\"x\")")) {
            assertCalls(parse(f, output), output);
        }
    }

    @Test
    void mistral() {
        ToolCallFormat f = ToolCallFormat.MISTRAL;
        ParsedOutput two = parse(f, "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}},"
                + " {\"name\": \"get_time\", \"arguments\": {\"city\": \"Rome\"}, \"id\": \"ignored12\"}]");
        assertCalls(two, "", "get_weather", PARIS, "get_time", "{\"city\":\"Rome\"}");
        // ids as Mistral's templates accept them
        assertThat(two.toolCalls()).allSatisfy(call -> assertThat(call.id()).matches("[A-Za-z0-9]{9}"));
        assertThat(two.toolCalls().get(0).id()).isNotEqualTo(two.toolCalls().get(1).id());
        // the control token may be missing from the text
        assertCalls(parse(f, "[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]"), "", "get_weather", PARIS);
        assertCalls(parse(f, "[TOOL_CALLS] {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}"), "", "get_weather", PARIS);
        for (String output : List.of("See [1] and [the docs](x).", "[]", "[TOOL_CALLS] nothing", "[1, 2]",
                "[TOOL_CALLS][{\"name\": \"get_stock\", \"arguments\": {}}]")) {
            assertCalls(parse(f, output), output);
        }
    }

    @Test
    void generic() {
        ToolCallFormat f = ToolCallFormat.GENERIC;
        assertCalls(parse(f, "{\"response\": \"It is sunny.\\nReally \\\"sunny\\\" \\u00e9\\ud83d\\ude00.\"}"),
                "It is sunny.\nReally \"sunny\" é😀.");
        assertCalls(parse(f, "{\"response\": \"\"}"), "");
        assertCalls(parse(f, "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]}"), "",
                "get_weather", PARIS);
        assertCalls(parse(f, "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}},"
                + " {\"name\": \"get_time\", \"arguments\": {\"city\": \"Rome\"}}]}"), "", "get_weather", PARIS, "get_time",
                "{\"city\":\"Rome\"}");
        assertCalls(parse(f, "Sure: {\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]}"),
                "Sure:", "get_weather", PARIS);
        assertThat(parse(f, "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {}}]}").toolCalls().getFirst().id())
                .matches("call_[A-Za-z0-9]{24}");
        for (String output : List.of("{\"tool_calls\": []}", "{\"answer\": 1}", "{}",
                "{\"tool_calls\": [{\"name\": \"get_stock\", \"arguments\": {}}]}", "{\"tool_calls\": {\"name\": \"get_weather\"}}",
                "{\"response\" \"x\"}")) {
            assertCalls(parse(f, output), output);
        }
    }

    @Test
    void genericResponsesThatAreNoStringAreTheirJsonText() {
        ToolCallFormat f = ToolCallFormat.GENERIC;
        assertCalls(parse(f, "{\"response\": {\"city\": \"Paris\", \"weather\": \"sunny\"}}"),
                "{\"city\":\"Paris\",\"weather\":\"sunny\"}");
        assertCalls(parse(f, "{\"response\":[1, 2]}"), "[1,2]");
        assertCalls(parse(f, "{\"response\": 1}"), "1");
        assertCalls(parse(f, "{ \"response\" :\n -2.5e+3 }\n"), "-2.5e+3");
        assertCalls(parse(f, "{\"response\": null}"), "null");
        // as written, but for the whitespace between tokens: escapes stay, and what looks like a call is part of it
        assertCalls(parse(f, "{\"response\": {\"note\": \"a  \\\"b\\\" \\u00e9\", \"tool_calls\": [{\"name\": \"get_weather\","
                        + " \"arguments\": {}}], \"n\": [true, {\"x\": false}]}}"),
                "{\"note\":\"a  \\\"b\\\" \\u00e9\",\"tool_calls\":[{\"name\":\"get_weather\",\"arguments\":{}}],"
                        + "\"n\":[true,{\"x\":false}]}");
        // cut off: what came stands
        assertCalls(parse(f, "{\"response\": {\"city\": \"Par"), "{\"city\":\"Par");
        // broken after it began: what came stands, and the text from there on is content again
        assertCalls(parse(f, "{\"response\": [1, 2} and more"), "[1,2} and more");
    }

    @Test
    void withoutToolsEverythingIsContent() {
        String call = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
        ParsedOutput parsed = ToolCallFormat.HERMES.parse(call, List.of());
        assertThat(parsed.content()).isEqualTo(call);
        assertThat(parsed.toolCalls()).isEmpty();
        ChatPrompt none = ChatTemplate.of(Fixtures.template("Qwen-Qwen2.5-Instruct"), "", "")
                .prompt(List.of(ChatMessage.user("Hi")), TOOLS, ToolChoice.none(), true);
        assertThat(none.parse(call).content()).isEqualTo(call);
        // a named choice reads calls of that function only
        ChatPrompt named = ChatTemplate.of(Fixtures.template("Qwen-Qwen2.5-Instruct"), "", "")
                .prompt(List.of(ChatMessage.user("Hi")), TOOLS, ToolChoice.function("get_time"), true);
        assertThat(named.parse(call).toolCalls()).isEmpty();
    }
}
