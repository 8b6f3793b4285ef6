package dev.jvmllm.chat.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.jvmllm.chat.Tool;

import java.util.List;

/**
 * JSON Schemas of tool calls, built from the tools' parameter schemas, and of the reply that is
 * no call. Each parameter schema (and the reply's) is embedded as the request gave it; one that
 * has {@code $defs} (or {@code definitions}) or refers to itself gets them moved to the root's
 * {@code $defs}, prefixed with the tool's position ({@code t0}, {@code t1}, ...; {@code r} for
 * the reply), and its {@code $ref}s rewritten, because {@code #/...} means the root of the whole
 * schema once it is embedded.
 */
public final class CallSchemas {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ObjectNode defs = NODES.objectNode();

    /** Schemas for one constraint; their shared {@code $defs} go on its root ({@link #root}). */
    public CallSchemas() {
    }

    /** {@code {"name": <its name>, "<argumentsKey>": <its parameters>}}, both required, nothing else. */
    public ObjectNode call(Tool tool, int position, String argumentsKey) {
        ObjectNode properties = NODES.objectNode();
        properties.set("name", NODES.objectNode().put("const", tool.name()));
        properties.set(argumentsKey, embed(tool.parameters(), "t" + position));
        return object(properties, "name", argumentsKey);
    }

    /** The reply's schema, to embed where the reply goes: the schema itself unless it has definitions or references. */
    public JsonNode reply(JsonNode schema) {
        return embed(schema, "r");
    }

    /** A call of any of these tools (the one schema itself for a single tool). */
    public JsonNode anyCall(List<Tool> tools, List<Integer> positions, String argumentsKey) {
        if (tools.size() == 1) {
            return call(tools.getFirst(), positions.getFirst(), argumentsKey);
        }
        ArrayNode options = NODES.arrayNode();
        for (int i = 0; i < tools.size(); i++) {
            options.add(call(tools.get(i), positions.get(i), argumentsKey));
        }
        return NODES.objectNode().set("anyOf", options);
    }

    /**
     * The most calls one answer makes in parallel. Unbounded, a small model that has made a
     * call tends to repeat it until the token limit cuts the answer off (SmolLM2 at temperature
     * 0 does); a cut-off answer is of no use, a bounded one is.
     */
    public static final int MAX_PARALLEL_CALLS = 8;

    /** An array of at least one item, and at most one where {@code single}, else {@value #MAX_PARALLEL_CALLS}. */
    public static ObjectNode array(JsonNode items, boolean single) {
        ObjectNode array = NODES.objectNode().put("type", "array");
        array.set("items", items);
        array.put("minItems", 1);
        array.put("maxItems", single ? 1 : MAX_PARALLEL_CALLS);
        return array;
    }

    /** An object with exactly these properties, all required. */
    public static ObjectNode object(ObjectNode properties, String... required) {
        ObjectNode object = NODES.objectNode().put("type", "object");
        object.set("properties", properties);
        ArrayNode names = object.putArray("required");
        for (String name : required) {
            names.add(name);
        }
        object.put("additionalProperties", false);
        return object;
    }

    public static ObjectNode anyOf(JsonNode... options) {
        ObjectNode any = NODES.objectNode();
        ArrayNode list = any.putArray("anyOf");
        for (JsonNode option : options) {
            list.add(option);
        }
        return any;
    }

    /** The schema, with the {@code $defs} its parts need. */
    public JsonNode root(JsonNode schema) {
        if (defs.isEmpty()) {
            return schema;
        }
        ObjectNode root = ((ObjectNode) schema).deepCopy();
        root.set("$defs", defs);
        return root;
    }

    private JsonNode embed(JsonNode schema, String prefix) {
        if (!hasReferences(schema) && !schema.has("$defs") && !schema.has("definitions")) {
            return schema;
        }
        ObjectNode copy = ((ObjectNode) schema).deepCopy();
        ObjectNode local = NODES.objectNode();
        for (String field : List.of("$defs", "definitions")) {
            JsonNode moved = copy.remove(field);
            if (moved != null) {
                local.setAll((ObjectNode) moved);
            }
        }
        boolean[] refersToItself = {false};
        rewrite(copy, prefix, refersToItself);
        local.properties().forEach(e -> {
            rewrite(e.getValue(), prefix, refersToItself);
            defs.set(prefix + "_" + e.getKey(), e.getValue());
        });
        if (refersToItself[0]) {
            // "#" meant this schema: it moves to $defs too, and is embedded by reference
            defs.set(prefix, copy);
            return NODES.objectNode().put("$ref", "#/$defs/" + prefix);
        }
        return copy;
    }

    private static boolean hasReferences(JsonNode node) {
        if (node.isObject() && node.has("$ref")) {
            return true;
        }
        for (JsonNode child : node) {
            if (hasReferences(child)) {
                return true;
            }
        }
        return false;
    }

    /** Points one schema's {@code $ref}s at the places its definitions moved to. */
    private static void rewrite(JsonNode node, String prefix, boolean[] refersToItself) {
        if (node instanceof ObjectNode object && object.get("$ref") instanceof TextNode ref) {
            String target = ref.textValue();
            if (target.equals("#")) {
                refersToItself[0] = true;
                object.put("$ref", "#/$defs/" + prefix);
            } else {
                for (String local : List.of("#/$defs/", "#/definitions/")) {
                    if (target.startsWith(local)) {
                        object.put("$ref", "#/$defs/" + prefix + "_" + target.substring(local.length()));
                    }
                }
            }
        }
        for (JsonNode child : node) {
            rewrite(child, prefix, refersToItself);
        }
    }
}
