package dev.jvmllm.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Typed access to the fields of one JSON object of a request. An absent field and a JSON
 * {@code null} both read as "not given" (OpenAI clients send either); a field of the wrong type
 * is a 400 {@link ApiError} naming the field by its path ({@code messages[1].content}).
 * Fields nobody asks for are ignored, as the OpenAI API does.
 */
final class JsonFields {
    private final ObjectNode node;
    private final String path;

    private JsonFields(ObjectNode node, String path) {
        this.node = node;
        this.path = path;
    }

    /** The top-level object of a request body. */
    static JsonFields of(ObjectNode node) {
        return new JsonFields(node, "");
    }

    /** The names of the fields present. */
    java.util.Iterator<String> names() {
        return node.fieldNames();
    }

    /** The node of a field, or null when it is absent or JSON {@code null}. */
    JsonNode node(String name) {
        JsonNode value = node.get(name);
        return value == null || value.isNull() ? null : value;
    }

    /** The path of a field of this object, as error messages name it. */
    String pathOf(String name) {
        return path + name;
    }

    Optional<String> string(String name) {
        JsonNode value = node(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw ApiError.wrongType(pathOf(name), "a string");
        }
        return Optional.of(value.textValue());
    }

    String requiredString(String name) {
        return string(name).orElseThrow(() -> ApiError.missing(pathOf(name)));
    }

    OptionalInt integer(String name) {
        JsonNode value = node(name);
        if (value == null) {
            return OptionalInt.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw ApiError.wrongType(pathOf(name), "an integer");
        }
        return OptionalInt.of(value.intValue());
    }

    OptionalLong longInteger(String name) {
        JsonNode value = node(name);
        if (value == null) {
            return OptionalLong.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw ApiError.wrongType(pathOf(name), "an integer");
        }
        return OptionalLong.of(value.longValue());
    }

    OptionalDouble number(String name) {
        JsonNode value = node(name);
        if (value == null) {
            return OptionalDouble.empty();
        }
        if (!value.isNumber()) {
            throw ApiError.wrongType(pathOf(name), "a number");
        }
        return OptionalDouble.of(value.doubleValue());
    }

    boolean bool(String name) {
        JsonNode value = node(name);
        if (value == null) {
            return false;
        }
        if (!value.isBoolean()) {
            throw ApiError.wrongType(pathOf(name), "a boolean");
        }
        return value.booleanValue();
    }

    /** A string or an array of strings (the OpenAI {@code stop} field); empty when not given. */
    List<String> strings(String name) {
        JsonNode value = node(name);
        if (value == null) {
            return List.of();
        }
        if (value.isTextual()) {
            return List.of(value.textValue());
        }
        if (!value.isArray()) {
            throw ApiError.wrongType(pathOf(name), "a string or an array of strings");
        }
        List<String> strings = new ArrayList<>(value.size());
        for (JsonNode element : value) {
            if (!element.isTextual()) {
                throw ApiError.wrongType(pathOf(name), "a string or an array of strings");
            }
            strings.add(element.textValue());
        }
        return strings;
    }

    /** A nested object, read with the same rules. */
    Optional<JsonFields> object(String name) {
        JsonNode value = node(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof ObjectNode object)) {
            throw ApiError.wrongType(pathOf(name), "an object");
        }
        return Optional.of(new JsonFields(object, pathOf(name) + "."));
    }

    /** The elements of an array field that must be objects, such as {@code messages}. */
    List<JsonFields> objects(String name) {
        JsonNode value = node(name);
        if (value == null) {
            throw ApiError.missing(pathOf(name));
        }
        if (!value.isArray()) {
            throw ApiError.wrongType(pathOf(name), "an array of objects");
        }
        List<JsonFields> objects = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            if (!(value.get(i) instanceof ObjectNode object)) {
                throw ApiError.wrongType(pathOf(name) + "[" + i + "]", "an object");
            }
            objects.add(new JsonFields(object, pathOf(name) + "[" + i + "]."));
        }
        return objects;
    }
}
