package dev.jvmllm.chat.internal;

import dev.jvmllm.api.InvalidRequestException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Python-isms of real chat templates, rendered as Python's Jinja renders them. */
class JinjaTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-05T10:15:00Z"), ZoneOffset.UTC);

    private static String render(String template) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", "user");
        message.put("content", "  Hello, World. <tool_response>x</tool_response>\n");
        Map<String, Object> parts = new LinkedHashMap<>();
        parts.put("role", "user");
        parts.put("content", List.of(Map.of("type", "text", "text", "a"), Map.of("type", "text", "text", "b")));
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("messages", List.of(message, parts));
        variables.put("nothing", null);
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("city", "Zürich \"centre\"\n");
        arguments.put("days", 3L);
        arguments.put("ratio", 0.5);
        arguments.put("tiny", 0.00001);
        arguments.put("units", List.of("metric", true));
        arguments.put("none", null);
        arguments.put("empty", Map.of());
        variables.put("arguments", arguments);
        return Jinja.render(template, variables, CLOCK);
    }

    @ParameterizedTest
    @CsvSource(delimiterString = " ==> ", quoteCharacter = '`', textBlock = """
            {{ messages[0].content.strip() }} ==> Hello, World. <tool_response>x</tool_response>
            {{ messages[0].content | trim }} ==> Hello, World. <tool_response>x</tool_response>
            {{ messages[0].content.lstrip().startswith('Hello') }} ==> true
            {{ messages[0].content.rstrip().endswith(('a', '</tool_response>')) }} ==> true
            {{ messages[0].content.split('<tool_response>')[-1].rstrip('\\n') }} ==> x</tool_response>
            {{ 'a.b.c'.split('.') | length }} ==> 3
            {{ 'a.b.c'.split('.', 1)[1] }} ==> b.c
            {{ ' a  b '.split() | join(',') }} ==> a,b
            {{ 'xxhixx'.strip('x') }} ==> hi
            {{ 'Hello'.lower() ~ 'Hello'.upper() ~ 'hello world'.title() }} ==> helloHELLOHello World
            {{ 'aaa'.replace('a', 'b', 2) }} ==> bba
            {{ ', '.join(['a', 'b']) }} ==> a, b
            {{ messages[0].content is string }}/{{ messages[1].content is string }} ==> true/false
            {{ messages[1].content is iterable }}/{{ 'text' is iterable }}/{{ messages[0] is iterable }}/{{ 3 is iterable }} ==> true/true/true/false
            {{ messages[0] is mapping }}/{{ messages is mapping }} ==> true/false
            {{ nothing is none }}/{{ nothing is defined }}/{{ undefined_thing is defined }} ==> true/false/false
            {{ 'content' in messages[0] }}/{{ 'tool_calls' in messages[0] }}/{{ 'World' in messages[0].content }} ==> true/false/true
            {{ messages[1:] | length }}/{{ messages[-1].role }}/{{ 'abcdef'[1:-1] }} ==> 1/user/bcde
            {% for m in messages %}{{ loop.index0 }}{{ loop.first }}{{ loop.last }};{% endfor %} ==> 0truefalse;1falsetrue;
            {% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }} ==> 2
            {% set ns = namespace(a=true, last=messages|length - 1, s='x' ~ 'y') %}{{ ns.a }}/{{ ns.last }}/{{ ns.s }}/{{ 1 == 1 }} ==> true/1/xy/true
            {{ messages[1].content | map(attribute='text') | join('') }} ==> ab
            {% for k, v in arguments['empty'] | items %}{{ k }}{% endfor %}{% for k, v in {'a': 1, 'b': 2} | items %}{{ k }}={{ v }};{% endfor %} ==> a=1;b=2;
            {% for k, v in {'a': 1}.items() %}{{ k }}={{ v }}{% endfor %} ==> a=1
            {{ strftime_now('%d %b %Y') }} ==> 05 Mar 2025
            {{ strftime_now is defined }}/{{ raise_exception is defined }} ==> true/true
            {{ not 1 == 2 }}/{{ not nothing is none }}/{{ not true or true }}/{{ 'a' if not false else 'b' }} ==> true/false/true/a
            {% if not 'a' in 'abc' %}x{% else %}y{% endif %}{{ 'z' not in 'abc' }}{{ 'x' is not none }} ==> ytruetrue
            {{ (not false) and not (1 > 2) }}/{{ [not false, not true] | join(',') }} ==> true/true,false
            {{ '-}} not x' }} ==> -}} not x
            {% raw %}{{- x -}}{% endraw %} ==> {{- x -}}
            {% for m in messages[::-1] %}{{ loop.index0 }}{{ m.content is string }};{% endfor %}{{ [1, 2][::-1] | join }}{{ '[::-1]' }} ==> 0false;1true;21[::-1]
            """)
    void pythonIsms(String template, String expected) {
        assertThat(render(template)).isEqualTo(expected);
    }

    @Test
    void tojsonIsPythonsJsonDumps() {
        assertThat(render("{{ arguments | tojson }}")).isEqualTo(
                "{\"city\": \"Zürich \\\"centre\\\"\\n\", \"days\": 3, \"ratio\": 0.5, \"tiny\": 1e-05,"
                        + " \"units\": [\"metric\", true], \"none\": null, \"empty\": {}}");
        assertThat(render("{{ {'a': [1, {'b': 'c'}], 'e': []} | tojson(indent=2) }}")).isEqualTo("""
                {
                  "a": [
                    1,
                    {
                      "b": "c"
                    }
                  ],
                  "e": []
                }""");
        assertThat(render("{{ {'b': 1, 'a': 'é'} | tojson(ensure_ascii=true, sort_keys=true) }}"))
                .isEqualTo("{\"a\": \"\\u00e9\", \"b\": 1}");
        assertThat(render("{{ {'a': 1, 'b': 2} | tojson(separators=[',', ':']) }}")).isEqualTo("{\"a\":1,\"b\":2}");
        // printed as is: a template's output is not HTML-escaped
        assertThat(render("{{ '<a & b>' | tojson }}")).isEqualTo("\"<a & b>\"");
    }

    @ParameterizedTest
    @CsvSource({"1.0, 1.0", "0.1, 0.1", "-2.5, -2.5", "1e16, 1e+16", "1.5e16, 1.5e+16", "123456789012345.6, 123456789012345.6",
            "1e15, 1000000000000000.0", "0.0001, 0.0001", "0.00001, 1e-05", "1.25e-10, 1.25e-10", "0.0, 0.0", "-0.0, -0.0",
            "1e300, 1e+300"})
    void floatsAreWrittenAsPythonsRepr(double value, String repr) {
        assertThat(PyJson.floatRepr(value)).isEqualTo(repr);
    }

    @Test
    void blocksAreTrimmedAndStrippedAsTransformersConfiguresJinja() {
        assertThat(render("{% if true %}\n    a\n{% endif %}\nb")).isEqualTo("    a\nb");
        assertThat(render("  {% if true %}x{% endif %}\n")).isEqualTo("x");
        assertThat(render("{%- if true -%}\n  a  \n{%- endif -%}\nb")).isEqualTo("ab");
    }

    @Test
    void whitespaceControlOnExpressionsAndComments() {
        assertThat(render("a  \n  {{- 'x' -}}  \n  b")).isEqualTo("axb");
        assertThat(render("a  \n  {{ 'x' -}}  \n  b{{- ' c' }}")).isEqualTo("a  \n  xb c");
        assertThat(render("a\n  {#- note #}\nb")).isEqualTo("ab");
        assertThat(render("a\n  {# note #}\nb")).isEqualTo("a\nb");
        assertThat(render("a {# note -#}\n  b")).isEqualTo("a b");
        assertThat(render("{{ ['x'][0] -}}  y")).isEqualTo("xy");
    }

    @Test
    void raiseExceptionRejectsTheConversationWithItsMessage() {
        assertThatThrownBy(() -> render("{% if messages | length > 1 %}{{ raise_exception('Only one message, please!') }}{% endif %}"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("the chat template rejected the conversation: Only one message, please!");
    }

    @Test
    void templateErrorsAreQuoted() {
        assertThatThrownBy(() -> render("line one\n{% if %}"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageStartingWith("the chat template failed: ")
                .hasMessageContaining("Tag 'if' expects expression")
                .hasMessageContaining("(line 2)");
        // lines are the template's, though whitespace control took some out
        assertThatThrownBy(() -> render("a\n\n{{- 'x' }}\n{# two\nlines #}\n{% if %}"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("(line 6)");
        assertThatThrownBy(() -> render("{{ no_such_function(1) }}"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("the chat template failed: Could not resolve function 'no_such_function' (line 1)");
    }
}
