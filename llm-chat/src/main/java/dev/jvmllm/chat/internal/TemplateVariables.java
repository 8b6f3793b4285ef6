package dev.jvmllm.chat.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.chat.ChatMessage;
import dev.jvmllm.chat.Tool;
import dev.jvmllm.chat.ToolCall;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Messages and tools as transformers gives them to a template: the OpenAI shapes, as maps. A key
 * is there only where the message has the field, because templates test {@code 'tool_calls' in
 * message} and {@code message.tool_call_id is defined}. {@code content} is always there, an empty
 * string where the message has none (an assistant's calls), as OpenAI-compatible servers give it:
 * templates such as Qwen 3's concatenate it without a check.
 */
public final class TemplateVariables {
    private TemplateVariables() {
    }

    public static List<Map<String, Object>> messages(List<ChatMessage> messages) {
        List<Map<String, Object>> maps = new ArrayList<>(messages.size());
        for (ChatMessage message : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", message.role());
            map.put("content", message.content().map(TemplateVariables::content).orElse(""));
            if (!message.toolCalls().isEmpty()) {
                List<Map<String, Object>> calls = new ArrayList<>();
                for (ToolCall call : message.toolCalls()) {
                    Map<String, Object> function = new LinkedHashMap<>();
                    function.put("name", call.name());
                    function.put("arguments", arguments(call));
                    Map<String, Object> wrapped = new LinkedHashMap<>();
                    wrapped.put("id", call.id());
                    wrapped.put("type", "function");
                    wrapped.put("function", function);
                    calls.add(wrapped);
                }
                map.put("tool_calls", calls);
            }
            message.toolCallId().ifPresent(id -> map.put("tool_call_id", id));
            message.name().ifPresent(name -> map.put("name", name));
            maps.add(map);
        }
        return maps;
    }

    private static Object content(ChatMessage.Content content) {
        return switch (content) {
            case ChatMessage.Text text -> text.text();
            case ChatMessage.Parts parts -> parts.texts().stream()
                    .map(text -> {
                        Map<String, Object> part = new LinkedHashMap<>();
                        part.put("type", "text");
                        part.put("text", text);
                        return (Object) part;
                    })
                    .toList();
        };
    }

    /** {@code [{"type": "function", "function": {"name", "description", "parameters"}}]}. */
    public static List<Map<String, Object>> tools(List<Tool> tools) {
        List<Map<String, Object>> maps = new ArrayList<>(tools.size());
        for (Tool tool : tools) {
            Map<String, Object> wrapped = new LinkedHashMap<>();
            wrapped.put("type", "function");
            wrapped.put("function", function(tool));
            maps.add(wrapped);
        }
        return maps;
    }

    /** {@code {"name", "description", "parameters"}}, the description only where the tool has one. */
    public static Map<String, Object> function(Tool tool) {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", tool.name());
        tool.description().ifPresent(d -> function.put("description", d));
        function.put("parameters", PyJson.toJava(tool.parameters()));
        return function;
    }

    /**
     * A call's arguments parsed, as transformers expects them (templates write them with
     * {@code tojson}).
     *
     * @throws InvalidRequestException if they are not JSON
     */
    public static Object arguments(ToolCall call) {
        try {
            return PyJson.toJava(PyJson.MAPPER.readTree(call.arguments()));
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("the arguments of tool call '" + call.id() + "' (" + call.name()
                    + ") are not JSON: " + e.getOriginalMessage());
        }
    }
}
