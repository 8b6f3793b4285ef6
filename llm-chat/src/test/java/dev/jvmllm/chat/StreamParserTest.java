package dev.jvmllm.chat;

import dev.jvmllm.chat.ToolCallEvent.ArgumentsDelta;
import dev.jvmllm.chat.ToolCallEvent.ContentDelta;
import dev.jvmllm.chat.ToolCallEvent.ToolCallStart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.jvmllm.chat.Fixtures.TOOLS;
import static org.assertj.core.api.Assertions.assertThat;

/** Streaming outputs: the same reading as the whole output's, in any pieces, and no later than it can be. */
class StreamParserTest {
    private static final String WEATHER_CALL = "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}";
    private static final String TIME_CALL = "{\"name\": \"get_time\", \"arguments\": {\"city\": \"Rome\", \"format\": \"24h\"}}";

    /** Outputs of every kind, for every format: content, calls, text around them, and what only looks like a call. */
    private static final List<String> OUTPUTS = List.of(
            "",
            "Plain text, with [brackets], {braces} and <angle brackets>.\n",
            "  leading and trailing whitespace  \n",
            "<tool_call>\n" + WEATHER_CALL + "\n</tool_call>",
            "I'll check.\n<tool_call>\n" + WEATHER_CALL + "\n</tool_call>\n<tool_call>\n" + TIME_CALL + "\n</tool_call>\nDone.",
            "<tool_call>\n{\"name\": get_weather}\n</tool_call> and <tool_call",
            "<tool_call>{\"arguments\": {\"city\": \"Paris\"}, \"name\": \"get_weather\"}",
            "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Par",
            "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": ]}</tool_call>",
            "<tool_call><tool_call>" + WEATHER_CALL + "</tool_call",
            WEATHER_CALL,
            "<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"n\": [1, 2.5e-3, true, null]}}",
            "Checking.\n\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}",
            "{\"name\": \"Bob\", \"age\": 3} {{\"name\": \"get_time\"}",
            "[TOOL_CALLS][" + WEATHER_CALL + ", " + TIME_CALL + "]",
            "[" + WEATHER_CALL + "] then [1, 2] and [TOOL_CALLS",
            "[TOOL_CALLS] " + TIME_CALL,
            "{\"response\": \"It is sunny.\\nReally \\\"sunny\\\" \\u00e9\\ud83d\\ude00 \"}  ",
            "{\"response\": \"\"}",
            "{\"tool_calls\": [" + WEATHER_CALL + ", " + TIME_CALL + "]}",
            "Sure: {\"tool_calls\": [" + WEATHER_CALL + "]}\n",
            "{\"tool_calls\": []} {\"answer\": 1} {\"response\": 1}",
            "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": }}]}",
            "{\"response\": \"cut off",
            "{\"response\": {\"city\": \"Paris\", \"weather\": \"sunny\"}}",
            "{\"response\":[1, 2]}",
            "Here: { \"response\" : [ 1.5e-3 , -0, true, null, \"a \\\"b\\\" \\u00e9\", {\"tool_calls\": [" + WEATHER_CALL + "]} ] }  ",
            "{\"response\": 42} {\"response\": 4",
            "{\"response\": {\"city\": \"Par",
            "{\"response\": [1, 2} and more");

    @ParameterizedTest
    @EnumSource(ToolCallFormat.class)
    void anyPiecesGiveTheWholeOutputsReading(ToolCallFormat format) {
        Random random = new Random(42);
        for (String output : OUTPUTS) {
            ParsedOutput whole = format.parse(output, TOOLS);
            assertEquivalent(format, output, whole, pieces(output, 1));
            for (int round = 0; round < 20; round++) {
                assertEquivalent(format, output, whole, randomPieces(output, random));
            }
        }
    }

    private static void assertEquivalent(ToolCallFormat format, String output, ParsedOutput whole, List<String> pieces) {
        ToolCallStreamParser parser = format.newStreamParser(TOOLS);
        List<ToolCallEvent> events = new ArrayList<>();
        for (String piece : pieces) {
            events.addAll(parser.feed(piece));
        }
        events.addAll(parser.finish());
        checkOrder(events);
        ParsedOutput streamed = collect(events);
        String as = format + " " + output + " in " + pieces;
        assertThat(streamed.content()).as(as).isEqualTo(whole.content());
        assertThat(streamed.toolCalls()).as(as).extracting(ToolCall::name).isEqualTo(whole.toolCalls().stream().map(ToolCall::name).toList());
        assertThat(streamed.toolCalls()).as(as).extracting(ToolCall::arguments)
                .isEqualTo(whole.toolCalls().stream().map(ToolCall::arguments).toList());
    }

    /** Each call starts once, in order, before its arguments; the ids differ. */
    private static void checkOrder(List<ToolCallEvent> events) {
        List<String> ids = new ArrayList<>();
        for (ToolCallEvent event : events) {
            switch (event) {
                case ToolCallStart start -> {
                    assertThat(start.index()).isEqualTo(ids.size());
                    assertThat(ids).doesNotContain(start.id());
                    ids.add(start.id());
                }
                case ArgumentsDelta delta -> {
                    assertThat(delta.index()).isLessThan(ids.size());
                    assertThat(delta.fragment()).isNotEmpty();
                }
                case ContentDelta delta -> assertThat(delta.text()).isNotEmpty();
            }
        }
    }

    private static ParsedOutput collect(List<ToolCallEvent> events) {
        StringBuilder content = new StringBuilder();
        List<String[]> calls = new ArrayList<>();
        List<StringBuilder> arguments = new ArrayList<>();
        for (ToolCallEvent event : events) {
            switch (event) {
                case ContentDelta d -> content.append(d.text());
                case ToolCallStart s -> {
                    calls.add(new String[]{s.id(), s.name()});
                    arguments.add(new StringBuilder());
                }
                case ArgumentsDelta a -> arguments.get(a.index()).append(a.fragment());
            }
        }
        List<ToolCall> toolCalls = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            toolCalls.add(new ToolCall(calls.get(i)[0], calls.get(i)[1], arguments.get(i).toString()));
        }
        return new ParsedOutput(content.toString(), toolCalls);
    }

    private static List<String> pieces(String output, int size) {
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < output.length(); i += size) {
            pieces.add(output.substring(i, Math.min(output.length(), i + size)));
        }
        return pieces;
    }

    private static List<String> randomPieces(String output, Random random) {
        List<String> pieces = new ArrayList<>();
        int i = 0;
        while (i < output.length()) {
            int end = Math.min(output.length(), i + random.nextInt(8));
            pieces.add(output.substring(i, end));
            i = end;
        }
        return pieces;
    }

    @Test
    void textIsHeldBackOnlyWhileItMayStartACall() {
        ToolCallStreamParser parser = ToolCallFormat.HERMES.newStreamParser(TOOLS);
        assertThat(parser.feed("Hello <tool_c")).containsExactly(new ContentDelta("Hello"));
        assertThat(parser.feed("alculator>")).containsExactly(new ContentDelta(" <tool_calculator>"));
        assertThat(parser.feed(" and <tool_call>\n{\"name\": \"get_wea")).containsExactly(new ContentDelta(" and"));
        List<ToolCallEvent> start = parser.feed("ther\", \"arguments\": {\"ci");
        assertThat(start).hasSize(2);
        assertThat(start.get(0)).isInstanceOfSatisfying(ToolCallStart.class, s -> {
            assertThat(s.index()).isZero();
            assertThat(s.name()).isEqualTo("get_weather");
        });
        assertThat(start.get(1)).isEqualTo(new ArgumentsDelta(0, "{\"ci"));
        assertThat(parser.feed("ty\": \"Paris\"}}\n</tool")).containsExactly(new ArgumentsDelta(0, "ty\":\"Paris\"}"));
        assertThat(parser.feed("_call>")).isEmpty();
        assertThat(parser.finish()).isEmpty();
    }

    @Test
    void theGenericResponseStreamsAsContent() {
        ToolCallStreamParser parser = ToolCallFormat.GENERIC.newStreamParser(TOOLS);
        assertThat(parser.feed("{\"resp")).isEmpty();
        assertThat(parser.feed("onse\": \"It is")).containsExactly(new ContentDelta("It is"));
        assertThat(parser.feed(" sunny\\n")).containsExactly(new ContentDelta(" sunny\n"));
        assertThat(parser.feed("\"}")).isEmpty();
        assertThat(parser.finish()).isEmpty();

        // a response that is no string: its JSON text, compacted, as it comes
        ToolCallStreamParser json = ToolCallFormat.GENERIC.newStreamParser(TOOLS);
        assertThat(json.feed("{\"response\": ")).isEmpty();
        assertThat(json.feed("{\"ci")).containsExactly(new ContentDelta("{\"ci"));
        assertThat(json.feed("ty\": \"Paris\", \"n\": [1")).containsExactly(new ContentDelta("ty\":\"Paris\",\"n\":[1"));
        assertThat(json.feed("2, 3]}")).containsExactly(new ContentDelta("2,3]}"));
        assertThat(json.feed("}\n")).isEmpty();
        assertThat(json.finish()).isEmpty();

        ToolCallStreamParser calls = ToolCallFormat.GENERIC.newStreamParser(TOOLS);
        assertThat(calls.feed("{\"tool_calls\": [{\"name\": \"get_weather\"")).hasSize(1).first()
                .isInstanceOf(ToolCallStart.class);
        assertThat(calls.feed(", \"arguments\": {\"city\": \"Pa")).containsExactly(new ArgumentsDelta(0, "{\"city\":\"Pa"));
        assertThat(calls.feed("ris\"}}, {\"name\": \"get_time\"")).satisfiesExactly(
                e -> assertThat(e).isEqualTo(new ArgumentsDelta(0, "ris\"}")),
                e -> assertThat(e).isInstanceOfSatisfying(ToolCallStart.class, s -> assertThat(s.index()).isEqualTo(1)));
        assertThat(calls.feed("}]}")).containsExactly(new ArgumentsDelta(1, "{}"));
        assertThat(calls.finish()).isEmpty();
    }
}
