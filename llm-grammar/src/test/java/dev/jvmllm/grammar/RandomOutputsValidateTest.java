package dev.jvmllm.grammar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.jvmllm.api.TokenMatcher;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Walks matchers with random allowed tokens: every output that completes must be JSON that a real
 * validator accepts, and at every step {@code allowedTokens} and {@code allows} must agree on
 * every token.
 */
class RandomOutputsValidateTest {
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final SchemaRegistry VALIDATORS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final int WALKS = 200;
    private static final int MAX_TOKENS = 400;

    private final TestModel model = TestModel.json();
    /** Tokens with a quote, bracket, brace or comma: picked often, so that strings and arrays end. */
    private final BitSet structural = new BitSet();

    RandomOutputsValidateTest() {
        for (int t = 0; t < model.vocabularySize(); t++) {
            if (model.text(List.of(t)).matches("(?s).*[\"\\]},].*")) {
                structural.set(t);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // nested objects, optional and required properties
        """
        {'type': 'object', 'properties': {
            'name': {'type': 'string', 'maxLength': 12},
            'age': {'type': 'integer', 'minimum': 0, 'maximum': 150},
            'address': {'type': 'object', 'properties': {
                'street': {'type': 'string'}, 'zip': {'type': 'string', 'pattern': '^[0-9]{5}$'}},
                'required': ['zip'], 'additionalProperties': false},
            'active': {'type': 'boolean'}},
         'required': ['name', 'address'], 'additionalProperties': false}
        """,
        // arrays with bounds, tuples
        """
        {'type': 'object', 'properties': {
            'points': {'type': 'array', 'items': {'type': 'array', 'prefixItems': [{'type': 'number'}, {'type': 'number'}],
                'items': false, 'minItems': 2}, 'minItems': 1, 'maxItems': 4},
            'tags': {'type': 'array', 'items': {'type': 'string', 'minLength': 1, 'maxLength': 3}, 'maxItems': 3}},
         'required': ['points', 'tags']}
        """,
        // enums, const, anyOf, oneOf, nullable
        """
        {'type': 'object', 'properties': {
            'color': {'enum': ['red', 'green', 'blue', 42, null]},
            'kind': {'const': 'fixed'},
            'value': {'anyOf': [{'type': 'integer', 'exclusiveMinimum': -10, 'exclusiveMaximum': 10}, {'type': 'string', 'maxLength': 2}]},
            'maybe': {'type': ['string', 'null'], 'maxLength': 4},
            'flag': {'oneOf': [{'type': 'boolean'}, {'type': 'null'}]}},
         'required': ['color', 'kind', 'value']}
        """,
        // $ref into $defs, recursion, allOf merging
        """
        {'$defs': {
            'tree': {'type': 'object', 'properties': {'label': {'$ref': '#/$defs/label'},
                'children': {'type': 'array', 'items': {'$ref': '#/$defs/tree'}, 'maxItems': 2}},
                'required': ['label'], 'additionalProperties': false},
            'label': {'type': 'string', 'enum': ['a', 'b', 'c']},
            'base': {'type': 'object', 'properties': {'id': {'type': 'integer', 'minimum': 1}}, 'required': ['id']}},
         'allOf': [{'$ref': '#/$defs/base'}, {'properties': {'root': {'$ref': '#/$defs/tree'}}, 'required': ['root']}]}
        """,
        // patterns and formats
        """
        {'type': 'object', 'properties': {
            'code': {'type': 'string', 'pattern': '^[A-Z]{2,3}-\\\\d{2}(x|yz)?$'},
            'free': {'type': 'string', 'pattern': 'ab+'},
            'day': {'type': 'string', 'format': 'date'},
            'at': {'type': 'string', 'format': 'date-time'},
            'time': {'type': 'string', 'format': 'time'},
            'id': {'type': 'string', 'format': 'uuid'}},
         'required': ['code', 'free', 'day', 'at', 'time', 'id'], 'additionalProperties': false}
        """
    })
    void completedOutputsValidate(String text) throws Exception {
        JsonNode schemaNode = JsonSchemaTest.schema(text);
        Grammar grammar = Grammar.jsonSchema(schemaNode);
        Schema validator = VALIDATORS.getSchema(schemaNode);
        Random random = new Random(text.hashCode());
        int completed = 0;
        List<String> outputs = new ArrayList<>();
        for (int walk = 0; walk < WALKS; walk++) {
            String output = walk(grammar, random);
            if (output == null) {
                continue;
            }
            completed++;
            outputs.add(output);
            JsonNode value = STRICT.readTree(output);
            List<Error> errors = validator.validate(value, context -> context.executionConfig(c -> c.formatAssertionsEnabled(true)));
            assertThat(errors).as("%s\nvalidates against\n%s", output, grammar.toGbnf()).isEmpty();
        }
        System.out.println("completed " + completed + "/" + WALKS + ", e.g. " + outputs.getFirst().replace("\n", "\\n"));
        assertThat(completed).as("walks that completed").isGreaterThanOrEqualTo(WALKS / 3);
    }

    /** A random output, or null if it did not complete within the cap. */
    private String walk(Grammar grammar, Random random) {
        TokenMatcher m = grammar.start(model);
        List<Integer> taken = new ArrayList<>();
        for (int step = 0; step < MAX_TOKENS; step++) {
            if (m.isComplete()) {
                return model.text(taken);
            }
            BitSet allowed = new BitSet();
            m.allowedTokens(allowed);
            BitSet allows = new BitSet();
            for (int t = 0; t < model.vocabularySize(); t++) {
                allows.set(t, m.allows(t));
            }
            if (!allows.equals(allowed) || allowed.isEmpty()) {
                throw new AssertionError("after " + model.text(taken) + ": allows " + allows + ", allowedTokens " + allowed);
            }
            if (allowed.get(model.end) && random.nextInt(3) == 0) {
                m.accept(model.end);
                assertThat(m.isComplete()).isTrue();
                return model.text(taken);
            }
            allowed.clear(model.end);
            if (allowed.isEmpty()) {
                continue;
            }
            int token = pick(allowed, random);
            m.accept(token);
            taken.add(token);
        }
        return null;
    }

    /** A structural token often, else any allowed token. */
    private int pick(BitSet allowed, Random random) {
        BitSet from = (BitSet) allowed.clone();
        from.and(structural);
        if (from.isEmpty() || random.nextInt(10) >= 4) {
            from = allowed;
        }
        int[] ids = from.stream().toArray();
        return ids[random.nextInt(ids.length)];
    }
}
