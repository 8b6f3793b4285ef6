package dev.jvmllm.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvmllm.api.InvalidRequestException;

import java.util.Objects;
import java.util.Optional;

/**
 * A function the model may call.
 *
 * @param name        the function's name, the one its calls give
 * @param description what it does, for the model
 * @param parameters  the JSON Schema of its arguments, an object schema (OpenAI's default for
 *                    a function without parameters is {@code {"type": "object", "properties": {}}})
 */
public record Tool(String name, Optional<String> description, JsonNode parameters) {
    public Tool {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(parameters, "parameters");
        if (name.isBlank()) {
            throw new InvalidRequestException("a tool needs a name");
        }
        if (!parameters.isObject()) {
            throw new InvalidRequestException("the parameters of tool '" + name + "' must be a JSON Schema object, got "
                    + parameters.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    public Tool(String name, String description, JsonNode parameters) {
        this(name, Optional.of(description), parameters);
    }
}
