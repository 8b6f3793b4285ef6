package dev.jvmllm.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.chat.internal.CallSchemas;
import dev.jvmllm.chat.internal.OutputScanner;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * How a template's model calls tools: how the tools reach the prompt, what the output must be
 * for a {@link ToolChoice}, and how calls are read from the output. The native formats pass
 * {@code tools} to the template, which writes them as the model was trained; {@link #GENERIC}
 * serves templates without tool support.
 *
 * <p>Calls are read only for the request's tools: a call of another name is content. Under
 * {@code auto} a native format leaves the output free and its parser finds the calls; the
 * constraints of {@code required} and of a named function make the model write calls in the
 * format's own syntax.
 */
public enum ToolCallFormat {
    /**
     * Hermes and Qwen 2.5: {@code <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>}, one
     * block per call. Constrained, one call.
     */
    HERMES,
    /**
     * Llama 3.1 to 3.3: one JSON object {@code {"name": ..., "parameters": {...}}}, possibly after
     * {@code <|python_tag|>}; the templates take one call per message.
     */
    LLAMA3,
    /**
     * Mistral: {@code [TOOL_CALLS][{"name": ..., "arguments": {...}}, ...]}, read also without the
     * control token {@code [TOOL_CALLS]}. Call ids are 9 letters or digits, the only ids its
     * templates accept.
     */
    MISTRAL,
    /**
     * No tool support in the template (SmolLM2, Gemma 3): the system prompt lists the tools and
     * asks for one JSON object, {@code {"tool_calls": [{"name": ..., "arguments": {...}}]}} or
     * {@code {"response": "..."}}, which {@code auto} enforces too; the response's text is the
     * content. Where the request gives a response schema, the response is a JSON value of that
     * schema, and the content is its JSON text (but a string's text, unescaped, as ever). The
     * history's calls and results are rewritten into plain turns.
     */
    GENERIC;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The format of a template, from the markers its text writes. */
    public static ToolCallFormat detect(String template) {
        if (template.contains("<tool_call>")) {
            return HERMES;
        }
        if (template.contains("[TOOL_CALLS]")) {
            return MISTRAL;
        }
        if (template.contains("<|python_tag|>")
                || (template.contains("<|start_header_id|>") && template.contains("\"parameters\": "))) {
            return LLAMA3;
        }
        return GENERIC;
    }

    /**
     * What the output must be, if anything: nothing for {@code none}, nor for {@code auto} in a
     * native format; one or more calls for {@code required} (exactly one where
     * {@code parallelToolCalls} is false, and always one for {@link #HERMES} and {@link #LLAMA3});
     * one call of the function a {@link ToolChoice.Function} names. The same as
     * {@link #constraint(List, ToolChoice, boolean, Optional)} without a response schema: a
     * {@link #GENERIC} response under {@code auto} is a string.
     *
     * @throws InvalidRequestException if the choice needs tools that are not there, or two tools share a name
     */
    public Optional<ConstrainedOutput> constraint(List<Tool> tools, ToolChoice choice, boolean parallelToolCalls) {
        return constraint(tools, choice, parallelToolCalls, Optional.empty());
    }

    /**
     * What the output must be, as {@link #constraint(List, ToolChoice, boolean)} says, for a
     * request whose answer without calls must match {@code responseSchema}: under {@code auto},
     * a {@link #GENERIC} envelope's {@code response} is then a JSON value of that schema instead
     * of a string; under {@code required} or a named function the output is calls, and the
     * schema changes nothing. Without tools in play ({@code none}, or no tools) the schema is
     * not looked at: the caller holds the output to it.
     *
     * @param responseSchema the JSON Schema of the answer that is no call (an object, or a
     *                       boolean), empty for free text
     * @throws InvalidRequestException if the choice needs tools that are not there, two tools
     *                                 share a name, a native format gets a response schema
     *                                 with tools in play (its {@code auto} output is free text,
     *                                 which no constraint can hold to the schema), or the
     *                                 response schema is neither an object nor a boolean
     */
    public Optional<ConstrainedOutput> constraint(List<Tool> tools, ToolChoice choice, boolean parallelToolCalls,
                                                  Optional<JsonNode> responseSchema) {
        List<Tool> callable = callable(tools, choice);
        if (responseSchema.isPresent() && !callable.isEmpty() && this != GENERIC) {
            throw new InvalidRequestException("response_format together with tools is not supported for templates with"
                    + " their own tool-call format (" + name() + ")");
        }
        if (callable.isEmpty() || (choice instanceof ToolChoice.Auto && this != GENERIC)) {
            return Optional.empty();
        }
        List<Integer> positions = callable.stream().map(tools::indexOf).toList();
        boolean single = !parallelToolCalls || choice instanceof ToolChoice.Function;
        CallSchemas schemas = new CallSchemas();
        return Optional.of(switch (this) {
            case HERMES -> new ConstrainedOutput("<tool_call>\n",
                    schemas.root(schemas.anyCall(callable, positions, "arguments")), "\n</tool_call>");
            case LLAMA3 -> new ConstrainedOutput("", schemas.root(schemas.anyCall(callable, positions, "parameters")), "");
            case MISTRAL -> new ConstrainedOutput("[TOOL_CALLS]",
                    schemas.root(CallSchemas.array(schemas.anyCall(callable, positions, "arguments"), single)), "");
            case GENERIC -> {
                ObjectNode properties = NODES.objectNode();
                properties.set("tool_calls", CallSchemas.array(schemas.anyCall(callable, positions, "arguments"), single));
                JsonNode calls = CallSchemas.object(properties, "tool_calls");
                if (choice instanceof ToolChoice.Auto) {
                    ObjectNode response = NODES.objectNode();
                    response.set("response", responseSchema.map(schema -> reply(schemas, schema))
                            .orElseGet(() -> NODES.objectNode().put("type", "string")));
                    yield new ConstrainedOutput("", schemas.root(CallSchemas.anyOf(calls,
                            CallSchemas.object(response, "response"))), "");
                }
                yield new ConstrainedOutput("", schemas.root(calls), "");
            }
        });
    }

    private static JsonNode reply(CallSchemas schemas, JsonNode schema) {
        if (!schema.isObject() && !schema.isBoolean()) {
            throw new InvalidRequestException("the response format's JSON Schema must be an object or a boolean, got "
                    + schema.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        return schemas.reply(schema);
    }

    /** Reads a whole output: its content, and its calls of these tools. Never fails: what is not a call is content. */
    public ParsedOutput parse(String output, List<Tool> tools) {
        return OutputScanner.parse(this, names(tools), output);
    }

    /** Reads an output as it streams, as {@link #parse} reads it whole. */
    public ToolCallStreamParser newStreamParser(List<Tool> tools) {
        return new OutputScanner(this, names(tools));
    }

    /**
     * The tools the model may call under this choice: none for {@code none}, the named one for a
     * function, else all.
     */
    static List<Tool> callable(List<Tool> tools, ToolChoice choice) {
        Set<String> seen = new HashSet<>();
        for (Tool tool : tools) {
            if (!seen.add(tool.name())) {
                throw new InvalidRequestException("two tools are named '" + tool.name() + "'");
            }
        }
        return switch (choice) {
            case ToolChoice.None n -> List.of();
            case ToolChoice.Auto a -> tools;
            case ToolChoice.Required r -> {
                if (tools.isEmpty()) {
                    throw new InvalidRequestException("tool_choice 'required' needs tools, and the request has none");
                }
                yield tools;
            }
            case ToolChoice.Function f -> {
                List<Tool> named = tools.stream().filter(t -> t.name().equals(f.name())).toList();
                if (named.isEmpty()) {
                    throw new InvalidRequestException("tool_choice names the function '" + f.name()
                            + "', which is not among the tools" + (tools.isEmpty() ? "" : " ("
                            + String.join(", ", names(tools)) + ")"));
                }
                yield named;
            }
        };
    }

    private static List<String> names(List<Tool> tools) {
        List<String> names = new ArrayList<>(tools.size());
        tools.forEach(t -> names.add(t.name()));
        return names;
    }
}
