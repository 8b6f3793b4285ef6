package dev.jvmllm.chat.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvmllm.chat.ChatMessage;
import dev.jvmllm.chat.Tool;
import dev.jvmllm.chat.ToolCall;
import dev.jvmllm.chat.ToolChoice;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Tool calling for templates that know nothing of tools: the tools and the answer format (with
 * the response's JSON Schema, where the request has one) are told in the system prompt, and the
 * history is rewritten into plain turns. An assistant's calls become the JSON it is told to
 * answer with, {@code {"tool_calls": [{"name", "arguments"}]}}; a tool's result becomes a user
 * turn {@code {"result": {"id", "name", "content"}}}, joined to a user turn next to it
 * (so that roles still alternate, which templates like Gemma's demand).
 */
public final class GenericTools {
    // Why "result" and not "tool_response" (minja's and llama.cpp's word): a key that starts like
    // "tool_calls" draws a small model that echoes it into another call of the tool it has just
    // heard back from (measured on SmolLM2: "response" -0.74 against "tool" -0.85 as the next
    // token with "tool_response", -0.40 against -3.96 with "result").

    private GenericTools() {
    }

    /**
     * The conversation in plain turns.
     *
     * @param offered        the tools the model may call, empty for none (no system prompt section then)
     * @param responseSchema the JSON Schema of the response under {@code auto}, empty for a string
     */
    public static List<ChatMessage> messages(List<ChatMessage> messages, List<Tool> offered, ToolChoice choice,
                                             boolean parallelToolCalls, Optional<JsonNode> responseSchema) {
        Map<String, String> callNames = new HashMap<>();
        List<ChatMessage> plain = new ArrayList<>();
        List<Boolean> fromTool = new ArrayList<>();
        for (ChatMessage message : messages) {
            if (!message.toolCalls().isEmpty()) {
                message.toolCalls().forEach(call -> callNames.put(call.id(), call.name()));
                String calls = PyJson.dumps(Map.of("tool_calls", message.toolCalls().stream().map(GenericTools::call).toList()));
                String text = message.text().isEmpty() ? calls : message.text() + "\n\n" + calls;
                add(plain, fromTool, plain(message.role(), text, message.name()), false);
            } else if (message.role().equals("tool")) {
                Map<String, Object> response = new LinkedHashMap<>();
                message.toolCallId().ifPresent(id -> response.put("id", id));
                message.name().or(() -> message.toolCallId().map(callNames::get))
                        .ifPresent(name -> response.put("name", name));
                response.put("content", message.text());
                add(plain, fromTool, ChatMessage.user(PyJson.dumps(Map.of("result", response))), true);
            } else {
                add(plain, fromTool, message, false);
            }
        }
        if (!offered.isEmpty()) {
            String section = section(offered, choice, parallelToolCalls, responseSchema);
            if (!plain.isEmpty() && plain.getFirst().role().equals("system")) {
                ChatMessage system = plain.getFirst();
                String text = system.text().isEmpty() ? section : system.text() + "\n\n" + section;
                plain.set(0, plain("system", text, system.name()));
            } else {
                plain.addFirst(ChatMessage.system(section));
            }
        }
        return plain;
    }

    private static void add(List<ChatMessage> plain, List<Boolean> fromTool, ChatMessage message, boolean isToolResult) {
        int last = plain.size() - 1;
        if (last >= 0 && message.role().equals("user") && plain.get(last).role().equals("user")
                && (isToolResult || fromTool.get(last))) {
            plain.set(last, ChatMessage.user(plain.get(last).text() + "\n\n" + message.text()));
            fromTool.set(last, true);
            return;
        }
        plain.add(message);
        fromTool.add(isToolResult);
    }

    private static ChatMessage plain(String role, String text, Optional<String> name) {
        return new ChatMessage(role, Optional.of(new ChatMessage.Text(text)), List.of(), Optional.empty(), name);
    }

    private static Map<String, Object> call(ToolCall call) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("name", call.name());
        map.put("arguments", TemplateVariables.arguments(call));
        return map;
    }

    /** The system prompt's part on tools: what they are, and how to answer. */
    static String section(List<Tool> tools, ToolChoice choice, boolean parallelToolCalls, Optional<JsonNode> responseSchema) {
        StringBuilder text = new StringBuilder("You can call tools. Each is given as its name, what it does and the"
                + " JSON Schema of its arguments:\n");
        for (Tool tool : tools) {
            text.append('\n').append(PyJson.dumps(TemplateVariables.function(tool)));
        }
        String one = "{\"tool_calls\": [{\"name\": \"<the tool's name>\", \"arguments\": {<its arguments>}}]}";
        text.append("\n\nAnswer with one JSON object and nothing else. ");
        switch (choice) {
            case ToolChoice.Function function -> text.append("Call the tool ").append(function.name())
                    .append(": {\"tool_calls\": [{\"name\": \"").append(function.name())
                    .append("\", \"arguments\": {<its arguments>}}]}");
            case ToolChoice.Required r -> text.append(parallelToolCalls ? "Call one or more tools: " : "Call one tool: ")
                    .append(one);
            default -> {
                text.append(parallelToolCalls ? "To call one or more tools: " : "To call a tool: ").append(one);
                text.append("; to answer without them: ");
                responseSchema.ifPresentOrElse(schema -> text.append("{\"response\": <your answer>}, where your answer is"
                                + " a JSON value that matches this JSON Schema:\n").append(PyJson.dumps(schema)),
                        () -> text.append("{\"response\": \"<your answer>\"}"));

            }
        }
        return text.toString();
    }
}
