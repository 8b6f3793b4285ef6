package dev.jvmllm.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.chat.ChatMessage;
import dev.jvmllm.chat.Tool;
import dev.jvmllm.chat.ToolCall;
import dev.jvmllm.chat.ToolChoice;
import dev.jvmllm.grammar.Grammar;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the chat-specific fields of {@code /v1/chat/completions}: {@code messages} (with
 * assistant {@code tool_calls} and {@code tool} results), {@code tools}, {@code tool_choice} and
 * {@code response_format}, each checked to the field: a message, tool or schema the server
 * cannot use is a 400 that names its path.
 */
final class ChatFields {
    /** OpenAI's parameters for a function that takes none. */
    private static final ObjectNode NO_PARAMETERS = JsonNodeFactory.instance.objectNode().put("type", "object");

    /** The schema of {@code json_object}'s answers. */
    private static final ObjectNode ANY_OBJECT = JsonNodeFactory.instance.objectNode().put("type", "object");

    static {
        NO_PARAMETERS.putObject("properties");
    }

    private ChatFields() {
    }

    static List<ChatMessage> messages(JsonFields body) {
        List<JsonFields> objects = body.objects("messages");
        if (objects.isEmpty()) {
            throw ApiError.invalidValue("messages", "'messages' must not be empty");
        }
        List<ChatMessage> messages = new ArrayList<>(objects.size());
        for (JsonFields message : objects) {
            messages.add(message(message));
        }
        return messages;
    }

    private static ChatMessage message(JsonFields message) {
        String role = message.requiredString("role");
        if (role.equals("developer")) {
            role = "system"; // OpenAI's newer name for the system role; templates know only "system"
        }
        List<ToolCall> calls = new ArrayList<>();
        JsonNode toolCalls = message.node("tool_calls");
        if (toolCalls != null) {
            if (!role.equals("assistant")) {
                throw ApiError.invalidValue(message.pathOf("tool_calls"), "only assistant messages make tool calls");
            }
            for (JsonFields call : message.objects("tool_calls")) {
                String type = call.string("type").orElse("function");
                if (!type.equals("function")) {
                    throw ApiError.invalidValue(call.pathOf("type"), "only 'function' tool calls are supported, got '"
                            + type + "'");
                }
                JsonFields function = call.object("function").orElseThrow(() -> ApiError.missing(call.pathOf("function")));
                calls.add(new ToolCall(call.requiredString("id"), function.requiredString("name"),
                        function.string("arguments").orElse("{}")));
            }
        }
        Optional<String> toolCallId = message.string("tool_call_id");
        if (role.equals("tool") && toolCallId.isEmpty()) {
            throw ApiError.missing(message.pathOf("tool_call_id"));
        }
        return new ChatMessage(role, content(message), calls, toolCallId, message.string("name"));
    }

    /** A string, null (an assistant turn that only calls tools), or an array of text parts. */
    private static Optional<ChatMessage.Content> content(JsonFields message) {
        JsonNode content = message.node("content");
        if (content == null) {
            return Optional.empty();
        }
        if (content.isTextual()) {
            return Optional.of(new ChatMessage.Text(content.textValue()));
        }
        if (!content.isArray()) {
            throw ApiError.wrongType(message.pathOf("content"), "a string or an array of text parts");
        }
        List<String> texts = new ArrayList<>(content.size());
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String path = message.pathOf("content") + "[" + i + "]";
            String type = part.path("type").asText();
            if (!type.equals("text")) {
                throw ApiError.unsupportedField(path, "only text parts are supported, got a part of type '" + type + "'");
            }
            JsonNode text = part.get("text");
            if (text == null || !text.isTextual()) {
                throw ApiError.wrongType(path + ".text", "a string");
            }
            texts.add(text.textValue());
        }
        return Optional.of(new ChatMessage.Parts(texts));
    }

    static List<Tool> tools(JsonFields body) {
        if (body.node("tools") == null) {
            return List.of();
        }
        List<Tool> tools = new ArrayList<>();
        for (JsonFields tool : body.objects("tools")) {
            String type = tool.requiredString("type");
            if (!type.equals("function")) {
                throw ApiError.unsupportedField(tool.pathOf("type"), "only 'function' tools are supported, got '"
                        + type + "'");
            }
            JsonFields function = tool.object("function").orElseThrow(() -> ApiError.missing(tool.pathOf("function")));
            String name = function.requiredString("name");
            if (tools.stream().anyMatch(t -> t.name().equals(name))) {
                throw ApiError.invalidValue(function.pathOf("name"), "two tools are named '" + name + "'");
            }
            JsonNode parameters = function.node("parameters");
            if (parameters == null) {
                parameters = NO_PARAMETERS;
            } else if (!parameters.isObject()) {
                throw ApiError.wrongType(function.pathOf("parameters"), "a JSON Schema object");
            }
            // compiled now so that a schema the grammar cannot enforce is refused whatever the tool choice
            Constraints.jsonSchema(function.pathOf("parameters"), parameters);
            function.bool("strict"); // checks its type; every call is enforced as if strict
            try {
                tools.add(new Tool(name, function.string("description"), parameters));
            } catch (InvalidRequestException e) {
                throw ApiError.invalidValue(function.pathOf("name"), e.getMessage());
            }
        }
        return tools;
    }

    static ToolChoice toolChoice(JsonFields body, List<Tool> tools) {
        JsonNode choice = body.node("tool_choice");
        if (choice == null) {
            return tools.isEmpty() ? ToolChoice.none() : ToolChoice.auto();
        }
        ToolChoice chosen;
        if (choice.isTextual()) {
            chosen = switch (choice.textValue()) {
                case "none" -> ToolChoice.none();
                case "auto" -> ToolChoice.auto();
                case "required" -> ToolChoice.required();
                default -> throw ApiError.invalidValue("tool_choice", "'tool_choice' must be 'none', 'auto', 'required'"
                        + " or {\"type\": \"function\", \"function\": {\"name\": ...}}, got '" + choice.textValue() + "'");
            };
        } else {
            JsonFields named = body.object("tool_choice").orElseThrow();
            String type = named.requiredString("type");
            if (!type.equals("function")) {
                throw ApiError.unsupportedField("tool_choice.type", "only a 'function' can be chosen, got '" + type + "'");
            }
            String name = named.object("function").orElseThrow(() -> ApiError.missing("tool_choice.function"))
                    .requiredString("name");
            if (tools.stream().noneMatch(t -> t.name().equals(name))) {
                throw ApiError.invalidValue("tool_choice.function.name", "'tool_choice' names the function '" + name
                        + "', which is not among 'tools'");
            }
            chosen = ToolChoice.function(name);
        }
        if (tools.isEmpty() && !(chosen instanceof ToolChoice.None) && !(chosen instanceof ToolChoice.Auto)) {
            throw ApiError.invalidValue("tool_choice", "'tool_choice' asks for a tool call, but the request has no 'tools'");
        }
        return chosen;
    }

    /**
     * What {@code response_format} asks for: the schema the answer must match ({@code {"type":
     * "object"}} for {@code json_object}) and its grammar; empty for {@code text} or none.
     */
    record ResponseFormat(JsonNode schema, Grammar grammar) {
    }

    static Optional<ResponseFormat> responseFormat(JsonFields body) {
        Optional<JsonFields> format = body.object("response_format");
        if (format.isEmpty()) {
            return Optional.empty();
        }
        String type = format.get().requiredString("type");
        return switch (type) {
            case "text" -> Optional.empty();
            case "json_object" -> Optional.of(new ResponseFormat(ANY_OBJECT, Grammar.anyJsonObject()));
            case "json_schema" -> {
                JsonFields spec = format.get().object("json_schema")
                        .orElseThrow(() -> ApiError.missing("response_format.json_schema"));
                spec.requiredString("name");
                spec.bool("strict"); // checks its type: the schema is enforced whether strict or not
                JsonNode schema = spec.node("schema");
                if (schema == null) {
                    throw ApiError.missing("response_format.json_schema.schema");
                }
                yield Optional.of(new ResponseFormat(schema, Constraints.jsonSchema("response_format.json_schema.schema",
                        schema)));
            }
            default -> throw ApiError.invalidValue("response_format.type", "'response_format.type' must be 'text',"
                    + " 'json_object' or 'json_schema', got '" + type + "'");
        };
    }
}
