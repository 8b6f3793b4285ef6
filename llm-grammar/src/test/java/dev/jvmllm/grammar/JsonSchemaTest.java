package dev.jvmllm.grammar;

import static dev.jvmllm.grammar.Matching.accepts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvmllm.api.InvalidRequestException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final TestModel model = TestModel.json();

    /** A schema written with ' for ". */
    static JsonNode schema(String text) {
        try {
            return JSON.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    private void check(String schema, String[] accepted, String[] rejected) {
        check(Grammar.jsonSchema(schema(schema)), accepted, rejected);
    }

    private void check(Grammar g, String[] accepted, String[] rejected) {
        for (String text : accepted) {
            assertThat(accepts(g, model, text)).as("accepts %s in\n%s", text, g.toGbnf()).isTrue();
        }
        for (String text : rejected) {
            assertThat(accepts(g, model, text)).as("rejects %s in\n%s", text, g.toGbnf()).isFalse();
        }
    }

    private static String[] of(String... texts) {
        return texts;
    }

    @Test
    void types() {
        check("{'type': 'string'}", of("\"\"", "\"abc\"", "\"a\\\"\\\\\\n\\u00e9\"", "\"中é\""), of("abc", "\"a", "\"a\nb\"", "\"\\x\"", "1"));
        check("{'type': 'integer'}", of("0", "-7", "123456789012345"), of("01", "-0.5", "1e3", "1234567890123456", "-", "+1"));
        check("{'type': 'number'}", of("0", "-0.5", "1.25e+10", "3E-2", "123456789012345.123456789012345"),
                of(".5", "1.", "1e", "1234567890123456", "1.1234567890123456", "1e123", "NaN"));
        check("{'type': 'boolean'}", of("true", "false"), of("True", "1", "null"));
        check("{'type': 'null'}", of("null"), of("nul", "\"null\""));
        check("{'type': 'object'}", of("{}", "{\"a\": 1, \"b\": [true, {\"c\": null}]}"), of("[]", "{\"a\"}", "{a: 1}"));
        check("{'type': 'array'}", of("[]", "[1, \"a\", [], {}]"), of("{}", "[1,]", "[,1]"));
        check("{'type': ['string', 'null']}", of("\"x\"", "null"), of("1", "true"));
    }

    @Test
    void anySchemaIsAnyValue() {
        for (String any : new String[] {"{}", "true", "{'description': 'anything', '$schema': 'x', 'title': 't'}"}) {
            check(any, of("1", "\"s\"", "null", "{\"a\": [1]}", "[]"), of("", "{", "x"));
        }
        check(Grammar.anyJson(), of("1", "[]", "{\"k\": \"v\"}"), of("", "[1, 2"));
        check(Grammar.anyJsonObject(), of("{}", "{\"k\": \"v\"}"), of("[]", "1", "\"x\""));
        assertThat(Grammar.anyJsonObject().describe()).isEqualTo("json_object");
    }

    @Test
    void whitespaceIsBoundedAndOnlyBetweenTokens() {
        check("{'type': 'array', 'items': {'type': 'integer'}}",
                of("[1,2]", "[ 1 , 2 ]", "[\n  1,\n  2\n]", "[\n" + " ".repeat(20) + "1]", "[\n\t\t1]"),
                of(" [1]", "[1] ", "[1]\n", "[\n" + " ".repeat(21) + "1]", "[  1]", "[\n\n1]"));
    }

    @Test
    void propertiesInDeclarationOrderWithOptionalOnesOmittable() {
        String schema = "{'type': 'object', 'properties': {'a': {'type': 'integer'}, 'b': {'type': 'string'},"
                + " 'c': {'type': 'boolean'}}, 'required': ['b']}";
        check(schema, of("{\"b\": \"x\"}", "{\"a\": 1, \"b\": \"x\"}", "{\"b\": \"x\", \"c\": true}", "{\"a\": 1,\"b\":\"\",\"c\":false}"),
                of("{}", "{\"a\": 1}", "{\"b\": \"x\", \"a\": 1}", "{\"b\": \"x\", \"d\": 1}", "{\"b\": 1}", "{\"b\": \"x\",}"));
        String allOptional = "{'properties': {'a': {'type': 'integer'}, 'b': {'type': 'integer'}}}";
        check(allOptional, of("{}", "{\"a\": 1}", "{\"b\": 2}", "{\"a\": 1, \"b\": 2}"), of("{\"b\": 2, \"a\": 1}", "{,}", "{\"a\": 1,}"));
        check("{'properties': {'a': {}, 'never': false}, 'required': ['a']}", of("{\"a\": [1]}"), of("{\"a\": 1, \"never\": 1}"));
        check("{'properties': {'k\\\"e/y': {'const': 1}}, 'required': ['k\\\"e/y']}", of("{\"k\\\"e/y\": 1}"), of("{\"k\"e/y\": 1}"));
    }

    @Test
    void additionalProperties() {
        check("{'type': 'object', 'additionalProperties': {'type': 'integer'}}", of("{}", "{\"x\": 1, \"y\": 2}"),
                of("{\"x\": \"1\"}"));
        check("{'type': 'object', 'additionalProperties': false}", of("{}", "{ }"), of("{\"x\": 1}"));
        check("{'properties': {'a': {'type': 'integer'}}, 'additionalProperties': true}", of("{\"a\": 1}"), of("{\"a\": 1, \"b\": 2}"));
        check("{'required': ['id'], 'additionalProperties': {'type': 'string'}}", of("{\"id\": \"x\"}"), of("{}", "{\"id\": 1}"));
    }

    @Test
    void arrays() {
        check("{'items': {'type': 'integer'}, 'minItems': 2, 'maxItems': 3}", of("[1, 2]", "[1,2,3]"), of("[]", "[1]", "[1,2,3,4]", "[1,\"a\"]"));
        check("{'type': 'array', 'maxItems': 0}", of("[]"), of("[1]"));
        check("{'type': 'array', 'minItems': 1}", of("[null]"), of("[]"));
        check("{'prefixItems': [{'type': 'string'}, {'type': 'integer'}], 'items': false}",
                of("[]", "[\"a\"]", "[\"a\", 1]"), of("[1]", "[\"a\", 1, 2]"));
        check("{'prefixItems': [{'type': 'string'}], 'items': {'type': 'boolean'}, 'minItems': 2}",
                of("[\"a\", true]", "[\"a\", true, false]"), of("[\"a\"]", "[\"a\", 1]", "[true, true]"));
        check("{'items': [{'const': 1}], 'additionalItems': {'const': 2}}", of("[1]", "[1, 2, 2]"), of("[2]", "[1, 1]"));
        check("{'prefixItems': [{'const': 1}, false]}", of("[]", "[1]"), of("[1, 1]"));
    }

    @Test
    void enumAndConst() {
        check("{'enum': ['red', 'green', 1, null, {'a': [true]}]}", of("\"red\"", "\"green\"", "1", "null", "{\"a\":[true]}"),
                of("\"blue\"", "2", "{\"a\": [true]}"));
        check("{'type': 'string', 'enum': ['a', 1]}", of("\"a\""), of("1"));
        check("{'const': 'x\\\"y'}", of("\"x\\\"y\""), of("\"x\""));
        check("{'const': 1, 'enum': [1, 2]}", of("1"), of("2"));
        check("{'type': 'integer', 'enum': [1.0, 1.5]}", of("1.0"), of("1.5"));
    }

    @Test
    void anyOfOneOfAllOf() {
        check("{'anyOf': [{'type': 'integer'}, {'type': 'string', 'maxLength': 1}]}", of("1", "\"a\""), of("\"ab\"", "true"));
        check("{'oneOf': [{'type': 'null'}, {'type': 'boolean'}], 'description': 'd'}", of("null", "true"), of("0"));
        check("{'anyOf': [false, {'const': 3}]}", of("3"), of("4"));
        check("{'allOf': [{'type': 'integer', 'minimum': 5}], 'title': 'five or more'}", of("5", "99"), of("4"));
        check("{'allOf': [{'$ref': '#/$defs/base'}, {'properties': {'b': {'type': 'integer'}}, 'required': ['b']}],"
                        + " '$defs': {'base': {'type': 'object', 'properties': {'a': {'type': 'string'}}, 'required': ['a']}}}",
                of("{\"a\": \"x\", \"b\": 1}"), of("{\"a\": \"x\"}", "{\"b\": 1}"));
    }

    @Test
    void refs() {
        check("{'$defs': {'pos': {'type': 'integer', 'minimum': 1}}, 'type': 'array', 'items': {'$ref': '#/$defs/pos'}}",
                of("[1, 2]"), of("[0]"));
        check("{'definitions': {'s': {'type': 'string'}}, '$ref': '#/definitions/s'}", of("\"x\""), of("1"));
        String list = "{'$defs': {'node': {'type': 'object', 'properties': {'v': {'type': 'integer'}, 'next': {'$ref': '#/$defs/node'}},"
                + " 'required': ['v'], 'additionalProperties': false}}, '$ref': '#/$defs/node'}";
        check(list, of("{\"v\": 1}", "{\"v\": 1, \"next\": {\"v\": 2, \"next\": {\"v\": 3}}}"), of("{\"v\": 1, \"next\": {}}"));
        check("{'type': 'array', 'items': {'$ref': '#'}}", of("[]", "[[], [[]]]"), of("[1]"));
        check("{'$defs': {'a b': {'const': 1}, 'c~d': {'const': 2}}, 'anyOf': [{'$ref': '#/$defs/a%20b'}, {'$ref': '#/$defs/c~0d'}]}",
                of("1", "2"), of("3"));
    }

    @Test
    void stringLengthsCountCodePoints() {
        check("{'type': 'string', 'minLength': 2, 'maxLength': 3}", of("\"ab\"", "\"中é\"", "\"a\\n\"", "\"😀😀😀\""),
                of("\"a\"", "\"abcd\"", "\"\\u00e9\""));
    }

    @Test
    void patterns() {
        check("{'type': 'string', 'pattern': '^[A-Z]{2}-\\\\d{1,3}$'}", of("\"AB-1\"", "\"XY-123\""), of("\"AB-1234\"", "\"ab-1\"", "\" AB-1\""));
        check("{'type': 'string', 'pattern': 'cat'}", of("\"cat\"", "\"a cat!\"", "\"catalog\""), of("\"ca\"", "\"dog\""));
        check("{'pattern': '^(yes|no)$'}", of("\"yes\"", "\"no\""), of("\"yesno\"", "\"maybe\""));
        check("{'pattern': '^a|b$'}", of("\"a\"", "\"ax\"", "\"xb\""), of("\"xa\"", "\"bx\""));
        check("{'pattern': '^[^a-c]+$'}", of("\"xyz\"", "\"\\\"\"", "\"\\n\""), of("\"a\"", "\"xa\""));
        check("{'pattern': '^\\\\w+\\\\.(?:json|ya?ml)$'}", of("\"a_1.json\"", "\"x.yml\"", "\"x.yaml\""), of("\"x.yl\"", "\"-.json\""));
        check("{'pattern': '^\\\"\\\\\\\\\\\\s.$'}", of("\"\\\"\\\\ x\"", "\"\\\"\\\\\\tx\""), of("\"\\\"\\\\ \\n\""));
        check("{'pattern': '^a{2}b{1,}c*?d?$'}", of("\"aab\"", "\"aabbbccd\""), of("\"ab\"", "\"aac\""));
        check("{'pattern': '^[\\\\u00e9\\\\x41]\\\\u{1F600}$'}", of("\"é😀\"", "\"A😀\""), of("\"e😀\""));
    }

    @Test
    void formats() {
        check("{'type': 'string', 'format': 'date'}", of("\"2024-02-29\"", "\"2023-12-31\"", "\"2000-02-29\"", "\"2023-04-30\""),
                of("\"2023-02-29\"", "\"1900-02-29\"", "\"2023-04-31\"", "\"2023-13-01\"", "\"2023-00-10\"", "\"2023-1-1\""));
        check("{'format': 'time'}", of("\"23:59:59Z\"", "\"00:00:00.123+05:30\""), of("\"24:00:00Z\"", "\"12:00:00\"", "\"12:60:00Z\""));
        check("{'format': 'date-time'}", of("\"2023-01-02T03:04:05Z\"", "\"2023-01-02T03:04:05.5-01:00\""), of("\"2023-01-02 03:04:05Z\""));
        check("{'format': 'uuid'}", of("\"123e4567-e89b-12d3-a456-426614174000\""), of("\"123e4567e89b12d3a456426614174000\"", "\"xyz\""));
    }

    @Test
    void integerBounds() {
        check("{'type': 'integer', 'minimum': -12, 'maximum': 130}", of("-12", "-1", "0", "7", "99", "100", "130"),
                of("-13", "131", "200", "-0", "1000"));
        check("{'type': 'integer', 'exclusiveMinimum': 0, 'exclusiveMaximum': 10}", of("1", "9"), of("0", "10"));
        check("{'type': 'integer', 'minimum': 2.5, 'maximum': 4.5}", of("3", "4"), of("2", "5"));
        check("{'type': 'integer', 'minimum': 5, 'exclusiveMinimum': true}", of("6"), of("5"));
        check("{'type': 'integer', 'minimum': 1000}", of("1000", "99999", "999999999999999"), of("999", "-1000", "1000000000000000"));
        check("{'type': 'integer', 'maximum': -5}", of("-5", "-999999999999999"), of("-4", "0", "5"));
        check("{'minimum': 0, 'maximum': 0}", of("0"), of("1", "-0"));
    }

    @Test
    void printsTheGrammar() {
        Grammar g = Grammar.jsonSchema(schema("{'type': 'object', 'properties': {'n': {'type': 'integer', 'minimum': 0,"
                + " 'maximum': 20}}, 'required': ['n'], 'additionalProperties': false}"));
        assertThat(g.toGbnf()).isEqualTo("""
                root ::= "{" ws "\\"n\\"" ws ":" ws ("0" | [1-9] | "1" [0-9] | "20") ws "}"
                ws ::= "" | " " | "\\n" [\\t ]{0,20}
                """);
        assertThat(g.describe()).isEqualTo("json_schema");
        assertThat(accepts(Grammar.gbnf(g.toGbnf()), model, "{\"n\": 15}")).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {'properties': {'a': {'patternProperties': {}}}}  | json_schema: keyword 'patternProperties' at /properties/a is not supported
            {'not': {}}                                       | json_schema: keyword 'not' at / is not supported
            {'items': {'uniqueItems': true}}                  | json_schema: keyword 'uniqueItems' at /items is not supported
            {'$defs': {'x': {'if': {}}}, '$ref': '#/$defs/x'} | json_schema: keyword 'if' at /$defs/x is not supported
            {'type': 'string', 'format': 'email'}             | json_schema: format "email" at / is not supported (supported: date, time, date-time, uuid)
            {'type': 'number', 'minimum': 0}                  | json_schema: keyword 'minimum' at / is supported only with type 'integer', not 'number'
            {'type': 'text'}                                  | json_schema: unknown type "text" at /type
            {'items': 3}                                      | json_schema: the schema at /items must be an object or a boolean
            false                                             | json_schema: no value satisfies the schema at /: the schema is false
            {'type': 'integer', 'minimum': 5, 'maximum': 4}   | json_schema: no value satisfies the schema at /: no integer lies within its bounds
            {'minItems': 3, 'maxItems': 2}                    | json_schema: no value satisfies the schema at /: it needs more items than it allows
            {'properties': {'a': false}, 'required': ['a']}   | json_schema: no value satisfies the schema at /properties/a: the property is required but its schema is false
            {'required': ['a'], 'additionalProperties': false} | json_schema: no value satisfies the schema at /: required property 'a' is not in 'properties' and additionalProperties is false
            {'enum': [1, 2], 'type': 'string'}                | json_schema: no value satisfies the schema at /: no value of 'enum' fits the other keywords
            {'$ref': 'http://example.com/s.json'}             | json_schema: $ref 'http://example.com/s.json' at /$ref is not supported: only references within the schema ('#...') are
            {'$ref': '#/$defs/missing'}                       | json_schema: $ref '#/$defs/missing' at /$ref does not resolve
            {'$ref': '#/$defs/a', 'type': 'object'}           | json_schema: keyword 'type' next to '$ref' at / is not supported
            {'anyOf': [{}], 'properties': {}}                 | json_schema: keyword 'properties' next to 'anyOf' at / is not supported
            {'enum': ['a'], 'minLength': 1}                   | json_schema: keyword 'minLength' next to 'enum' at / is not supported
            {'$defs': {'a': {'$ref': '#/$defs/a'}}, '$ref': '#/$defs/a'} | json_schema: $ref '#/$defs/a' leads back to itself before any value is written
            {'anyOf': [{'$ref': '#'}, {'type': 'null'}]}      | json_schema: $ref '#' leads back to itself before any value is written
            {'allOf': [{'type': 'string'}, {'maxLength': 3}]} | json_schema: allOf at / is supported only with a single subschema or with object subschemas of properties and required to merge (/allOf/0 is neither)
            {'type': 'string', 'pattern': 'a', 'maxLength': 3} | json_schema: 'pattern' together with 'minLength'/'maxLength' at / is not supported
            {'pattern': '(?=a)'}                              | json_schema: pattern at /: lookaround and inline flags ('(?') are not supported (at character 1)
            {'pattern': '(a)\\\\1'}                           | json_schema: pattern at /: backreferences are not supported (at character 4)
            {'pattern': '\\\\bword'}                          | json_schema: pattern at /: word boundaries ('\\b') are not supported (at character 1)
            {'pattern': 'a^b'}                                | json_schema: pattern at /: '^' is supported only at the start of the pattern or of a top-level branch (at character 2)
            {'pattern': '(a'}                                 | json_schema: pattern at /: missing ')' (at character 3)
            {'pattern': '\\\\p{L}'}                           | json_schema: pattern at /: Unicode property escapes ('\\p') are not supported (at character 1)
            {'maxLength': 1000000}                            | json_schema: 'maxLength' 1000000 at / is above the supported limit 100000
            {'minLength': -1}                                 | json_schema: 'minLength' at / must be a non-negative integer
            """)
    void refusals(String schema, String message) {
        assertThatThrownBy(() -> Grammar.jsonSchema(schema(schema))).isInstanceOf(InvalidRequestException.class)
                .hasMessage(message);
    }
}
