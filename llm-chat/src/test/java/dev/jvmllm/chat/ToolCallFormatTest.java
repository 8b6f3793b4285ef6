package dev.jvmllm.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static dev.jvmllm.chat.Fixtures.REPORT;
import static dev.jvmllm.chat.Fixtures.TIME;
import static dev.jvmllm.chat.Fixtures.TOOLS;
import static dev.jvmllm.chat.Fixtures.WEATHER;
import static dev.jvmllm.chat.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each format's detection, and the constraints of each tool choice. */
class ToolCallFormatTest {
    /** The keywords a constraint may use outside the tools' own parameter schemas. */
    private static final Set<String> KEYWORDS = Set.of("type", "properties", "required", "additionalProperties", "items",
            "minItems", "maxItems", "enum", "const", "anyOf", "$ref", "$defs");

    @Test
    void theFormatIsDetectedFromTheTemplatesMarkers() {
        assertThat(ToolCallFormat.detect(Fixtures.template("Qwen-Qwen2.5-Instruct"))).isEqualTo(ToolCallFormat.HERMES);
        assertThat(ToolCallFormat.detect(Fixtures.template("meta-llama-Llama-3.2-3B-Instruct"))).isEqualTo(ToolCallFormat.LLAMA3);
        // Llama 3.1's and 3.3's template, which also writes built-in tool calls
        assertThat(ToolCallFormat.detect("{{- \"<|python_tag|>\" + tool_call.name + \".call(\" }}")).isEqualTo(ToolCallFormat.LLAMA3);
        assertThat(ToolCallFormat.detect(Fixtures.template("mistralai-Mistral-Nemo-Instruct-2407"))).isEqualTo(ToolCallFormat.MISTRAL);
        assertThat(ToolCallFormat.detect(Fixtures.template("google-gemma-3-it"))).isEqualTo(ToolCallFormat.GENERIC);
        assertThat(ToolCallFormat.detect(VocabularyModel.of(TestAssets.smolLm2()).chatTemplate().orElseThrow()))
                .isEqualTo(ToolCallFormat.GENERIC);
        // a template that mentions tools but has no call syntax of a known format
        assertThat(ToolCallFormat.detect("{% if tools %}{{ tools | tojson }}{% endif %}")).isEqualTo(ToolCallFormat.GENERIC);
    }

    @ParameterizedTest
    @EnumSource(ToolCallFormat.class)
    void constraintsUseOnlyTheAllowedKeywordsAndEmbedTheParametersAsGiven(ToolCallFormat format) {
        for (ToolChoice choice : List.of(ToolChoice.auto(), ToolChoice.required(), ToolChoice.function("get_time"), ToolChoice.none())) {
            for (boolean parallel : List.of(true, false)) {
                Optional<ConstrainedOutput> constraint = format.constraint(TOOLS, choice, parallel);
                boolean expected = !(choice instanceof ToolChoice.None)
                        && (format == ToolCallFormat.GENERIC || !(choice instanceof ToolChoice.Auto));
                if (expected) {
                    assertThat(constraint).as("%s %s %s", format, choice, parallel).hasValueSatisfying(c -> {
                        assertThat(c.schema().isObject()).isTrue();
                        checkKeywords(c.schema(), "");
                    });
                } else {
                    assertThat(constraint).as("%s %s %s", format, choice, parallel).isEmpty();
                }
            }
        }
    }

    private static void checkKeywords(JsonNode schema, String path) {
        if (schema.has("properties") && schema.path("properties").has("name") && schema.path("properties").path("name").has("const")) {
            // a call: the name's const, and the arguments exactly the tool's parameters
            String name = schema.path("properties").path("name").path("const").asText();
            Tool tool = TOOLS.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
            JsonNode arguments = schema.path("properties").has("arguments") ? schema.path("properties").path("arguments")
                    : schema.path("properties").path("parameters");
            assertThat(arguments).as(path).isEqualTo(tool.parameters());
        }
        schema.properties().forEach(e -> {
            assertThat(KEYWORDS).as(path).contains(e.getKey());
            JsonNode value = e.getValue();
            switch (e.getKey()) {
                case "properties", "$defs" -> value.properties().forEach(p -> {
                    if (!isToolParameters(p.getKey(), schema)) {
                        checkKeywords(p.getValue(), path + "/" + e.getKey() + "/" + p.getKey());
                    }
                });
                case "items" -> checkKeywords(value, path + "/items");
                case "anyOf" -> value.forEach(option -> checkKeywords(option, path + "/anyOf"));
                case "additionalProperties" -> assertThat(value.asBoolean(true)).as(path).isFalse();
                case "minItems", "maxItems" -> assertThat(value.isInt()).as(path).isTrue();
                case "required", "enum" -> assertThat(value.isArray()).as(path).isTrue();
                default -> { }
            }
        });
    }

    private static boolean isToolParameters(String property, JsonNode schema) {
        return (property.equals("arguments") || property.equals("parameters")) && schema.path("properties").has("name");
    }

    @Test
    void whatEachChoiceAllows() {
        // generic auto: calls or a response
        Schema auto = schema(ToolCallFormat.GENERIC.constraint(TOOLS, ToolChoice.auto(), true).orElseThrow());
        assertValid(auto, "{\"response\": \"It is sunny.\"}");
        assertValid(auto, "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}},"
                + " {\"name\": \"get_time\", \"arguments\": {\"city\": \"Rome\", \"format\": \"24h\"}}]}");
        assertInvalid(auto, "{\"tool_calls\": []}");
        assertInvalid(auto, "{\"response\": 1}");
        assertInvalid(auto, "{\"response\": \"a\", \"tool_calls\": []}");
        assertInvalid(auto, "{\"tool_calls\": [{\"name\": \"get_stock\", \"arguments\": {}}]}");
        assertInvalid(auto, "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {}}]}");
        assertInvalid(auto, "{\"tool_calls\": [{\"name\": \"get_time\", \"arguments\": {\"city\": \"Rome\", \"format\": \"1h\"}}]}");
        // required without parallel calls: exactly one
        ConstrainedOutput one = ToolCallFormat.GENERIC.constraint(TOOLS, ToolChoice.required(), false).orElseThrow();
        assertThat(one.prefix()).isEmpty();
        assertThat(one.suffix()).isEmpty();
        assertValid(schema(one), "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]}");
        assertInvalid(schema(one), "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}},"
                + " {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}]}");
        assertInvalid(schema(one), "{\"response\": \"no\"}");
        // a named function: that one
        Schema named = schema(ToolCallFormat.GENERIC.constraint(TOOLS, ToolChoice.function("get_time"), true).orElseThrow());
        assertValid(named, "{\"tool_calls\": [{\"name\": \"get_time\", \"arguments\": {\"city\": \"Rome\"}}]}");
        assertInvalid(named, "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}]}");

        ConstrainedOutput hermes = ToolCallFormat.HERMES.constraint(TOOLS, ToolChoice.required(), true).orElseThrow();
        assertThat(hermes.prefix()).isEqualTo("<tool_call>\n");
        assertThat(hermes.suffix()).isEqualTo("\n</tool_call>");
        assertValid(schema(hermes), "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}");
        assertInvalid(schema(hermes), "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}");

        ConstrainedOutput llama = ToolCallFormat.LLAMA3.constraint(TOOLS, ToolChoice.function("get_weather"), true).orElseThrow();
        assertThat(llama.prefix()).isEmpty();
        assertValid(schema(llama), "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}");
        assertInvalid(schema(llama), "{\"name\": \"get_time\", \"parameters\": {\"city\": \"Paris\"}}");

        ConstrainedOutput mistral = ToolCallFormat.MISTRAL.constraint(TOOLS, ToolChoice.required(), true).orElseThrow();
        assertThat(mistral.prefix()).isEqualTo("[TOOL_CALLS]");
        assertValid(schema(mistral), "[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}},"
                + " {\"name\": \"get_time\", \"arguments\": {\"city\": \"Paris\"}}]");
        assertInvalid(schema(mistral), "[]");

        for (ToolCallFormat format : List.of(ToolCallFormat.HERMES, ToolCallFormat.LLAMA3, ToolCallFormat.MISTRAL)) {
            assertThat(format.constraint(TOOLS, ToolChoice.auto(), true)).as(format.name()).isEmpty();
        }
        for (ToolCallFormat format : ToolCallFormat.values()) {
            assertThat(format.constraint(TOOLS, ToolChoice.none(), true)).as(format.name()).isEmpty();
            assertThat(format.constraint(List.of(), ToolChoice.auto(), true)).as(format.name()).isEmpty();
        }
    }

    @Test
    void aResponseSchemaIsWhatTheGenericReplyMustMatch() {
        Schema auto = schema(ToolCallFormat.GENERIC.constraint(TOOLS, ToolChoice.auto(), true, Optional.of(REPORT)).orElseThrow());
        assertValid(auto, "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]}");
        assertValid(auto, "{\"response\": {\"city\": \"Paris\", \"weather\": \"sunny\"}}");
        assertInvalid(auto, "{\"response\": {\"city\": \"Paris\"}}");
        assertInvalid(auto, "{\"response\": {\"city\": \"Paris\", \"weather\": \"sunny\", \"wind\": 3}}");
        assertInvalid(auto, "{\"response\": \"It is sunny.\"}");
        assertInvalid(auto, "{\"response\": {\"city\": \"Paris\", \"weather\": \"sunny\"}, \"note\": 1}");
        // any JSON value the schema allows, a boolean schema too
        Schema list = schema(ToolCallFormat.GENERIC.constraint(TOOLS, ToolChoice.auto(), false,
                Optional.of(json("{\"type\": \"array\", \"items\": {\"type\": \"integer\"}}"))).orElseThrow());
        assertValid(list, "{\"response\": [1, 2]}");
        assertInvalid(list, "{\"response\": [\"1\"]}");
        Schema anything = schema(ToolCallFormat.GENERIC.constraint(TOOLS, ToolChoice.auto(), true,
                Optional.of(json("true"))).orElseThrow());
        assertValid(anything, "{\"response\": null}");
        // the output is calls: the schema changes nothing
        for (ToolChoice choice : List.of(ToolChoice.required(), ToolChoice.function("get_time"))) {
            assertThat(ToolCallFormat.GENERIC.constraint(TOOLS, choice, true, Optional.of(REPORT)))
                    .isEqualTo(ToolCallFormat.GENERIC.constraint(TOOLS, choice, true));
        }
        // nothing to constrain here without tools in play: the caller holds the output to the schema
        for (ToolCallFormat format : ToolCallFormat.values()) {
            assertThat(format.constraint(TOOLS, ToolChoice.none(), true, Optional.of(REPORT))).as(format.name()).isEmpty();
            assertThat(format.constraint(List.of(), ToolChoice.auto(), true, Optional.of(REPORT))).as(format.name()).isEmpty();
        }
        assertThatThrownBy(() -> ToolCallFormat.GENERIC.constraint(TOOLS, ToolChoice.auto(), true, Optional.of(json("[]"))))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("the response format's JSON Schema must be an object or a boolean, got array");
    }

    @Test
    void aResponseSchemasDefinitionsAreMovedToTheRootToo() {
        Tool person = new Tool("add_person", "Adds a person", json("""
                {"type": "object", "properties": {"person": {"$ref": "#/$defs/person"}}, "required": ["person"],
                 "$defs": {"person": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}}}"""));
        JsonNode tree = json("""
                {"type": "object", "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#"}},
                 "owner": {"$ref": "#/definitions/person"}},
                 "required": ["value"], "definitions": {"person": {"type": "object", "properties": {"age": {"type": "integer"}},
                 "required": ["age"]}}}""");
        ConstrainedOutput constraint = ToolCallFormat.GENERIC.constraint(List.of(person), ToolChoice.auto(), true, Optional.of(tree))
                .orElseThrow();
        assertThat(constraint.schema().path("$defs").properties()).extracting(Map.Entry::getKey)
                .containsExactlyInAnyOrder("t0_person", "r_person", "r");
        Schema schema = schema(constraint);
        assertValid(schema, "{\"response\": {\"value\": 1, \"children\": [{\"value\": 2, \"owner\": {\"age\": 3}}]}}");
        assertValid(schema, "{\"tool_calls\": [{\"name\": \"add_person\", \"arguments\": {\"person\": {\"name\": \"Ann\"}}}]}");
        assertInvalid(schema, "{\"response\": {\"value\": 1, \"children\": [{}]}}");
        assertInvalid(schema, "{\"response\": {\"value\": 1, \"owner\": {\"name\": \"Ann\"}}}");
        assertInvalid(schema, "{\"tool_calls\": [{\"name\": \"add_person\", \"arguments\": {\"person\": {\"age\": 3}}}]}");
    }

    @ParameterizedTest
    @EnumSource(value = ToolCallFormat.class, names = {"HERMES", "LLAMA3", "MISTRAL"})
    void nativeFormatsRefuseAResponseSchemaWithToolsInPlay(ToolCallFormat format) {
        for (ToolChoice choice : List.of(ToolChoice.auto(), ToolChoice.required(), ToolChoice.function("get_time"))) {
            assertThatThrownBy(() -> format.constraint(TOOLS, choice, true, Optional.of(REPORT)))
                    .as("%s %s", format, choice)
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("response_format together with tools is not supported for templates with their own tool-call"
                            + " format (" + format.name() + ")");
        }
    }

    @Test
    void parameterSchemasWithDefinitionsAreMovedToTheRoot() {
        Tool person = new Tool("add_person", "Adds a person", json("""
                {"type": "object", "properties": {"person": {"$ref": "#/$defs/person"}},
                 "required": ["person"],
                 "$defs": {"person": {"type": "object", "properties": {"name": {"type": "string"},
                   "friends": {"type": "array", "items": {"$ref": "#/$defs/person"}}}, "required": ["name"]}}}"""));
        Tool tree = new Tool("add_tree", "Adds a tree", json("""
                {"type": "object", "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#"}}},
                 "required": ["value"]}"""));
        ConstrainedOutput constraint = ToolCallFormat.GENERIC.constraint(List.of(person, tree), ToolChoice.required(), true)
                .orElseThrow();
        assertThat(constraint.schema().path("$defs").properties()).extracting(Map.Entry::getKey)
                .containsExactlyInAnyOrder("t0_person", "t1");
        Schema schema = schema(constraint);
        assertValid(schema, "{\"tool_calls\": [{\"name\": \"add_person\", \"arguments\": {\"person\": {\"name\": \"Ann\","
                + " \"friends\": [{\"name\": \"Bob\"}]}}}, {\"name\": \"add_tree\", \"arguments\": {\"value\": 1,"
                + " \"children\": [{\"value\": 2}]}}]}");
        assertInvalid(schema, "{\"tool_calls\": [{\"name\": \"add_person\", \"arguments\": {\"person\": {\"friends\": []}}}]}");
        assertInvalid(schema, "{\"tool_calls\": [{\"name\": \"add_tree\", \"arguments\": {\"value\": 1, \"children\": [{}]}}]}");
    }

    @Test
    void choicesThatDoNotFitTheToolsAreRefused() {
        assertThatThrownBy(() -> ToolCallFormat.HERMES.constraint(TOOLS, ToolChoice.function("get_stock"), true))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("tool_choice names the function 'get_stock', which is not among the tools (get_weather, get_time)");
        assertThatThrownBy(() -> ToolCallFormat.GENERIC.constraint(List.of(), ToolChoice.required(), true))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("tool_choice 'required' needs tools, and the request has none");
        assertThatThrownBy(() -> ToolCallFormat.GENERIC.constraint(List.of(WEATHER, TIME, WEATHER), ToolChoice.auto(), true))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("two tools are named 'get_weather'");
        assertThatThrownBy(() -> new Tool("x", "y", json("[]")))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("the parameters of tool 'x' must be a JSON Schema object, got array");
    }

    private static Schema schema(ConstrainedOutput constraint) {
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(constraint.schema());
    }

    private static void assertValid(Schema schema, String output) {
        assertThat(schema.validate(json(output))).as(output).isEmpty();
    }

    private static void assertInvalid(Schema schema, String output) {
        assertThat(schema.validate(json(output))).as(output).isNotEmpty();
    }
}
