package dev.jvmllm.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.SpecialTokens;
import dev.jvmllm.chat.internal.GenericTools;
import dev.jvmllm.chat.internal.Jinja;
import dev.jvmllm.chat.internal.TemplateVariables;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A Jinja chat template, rendered as Hugging Face transformers' {@code apply_chat_template}
 * renders it. The template gets {@code messages} (OpenAI's shapes as maps: {@code role},
 * {@code content} as a string or a list of {@code {"type": "text", "text": ...}} parts (an empty
 * string where there is none),
 * {@code tool_calls} as {@code [{"id", "type": "function", "function": {"name", "arguments"}}]}
 * with the arguments parsed, {@code tool_call_id}, {@code name}), {@code tools} (as
 * {@code [{"type": "function", "function": {"name", "description", "parameters"}}]}, undefined
 * without tools), {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}, and the
 * functions {@code raise_exception(message)} and {@code strftime_now(format)}. Immutable and
 * thread-safe.
 */
public final class ChatTemplate {
    /** The built-in templates, each a Jinja template in this package's {@code templates/} resources. */
    private static final List<String> BUILTINS = List.of("chatml", "llama3", "zephyr", "phi3", "gemma");
    /** The architectures (as GGUF names them) whose family's built-in is {@code gemma}. */
    private static final Set<String> GEMMA_ARCHITECTURES = Set.of("gemma", "gemma2", "gemma3", "gemma3n");

    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final ToolCallFormat format;
    private final Clock clock;

    private ChatTemplate(String source, String bosToken, String eosToken, Clock clock) {
        this.source = Objects.requireNonNull(source, "source");
        this.bosToken = Objects.requireNonNull(bosToken, "bosToken");
        this.eosToken = Objects.requireNonNull(eosToken, "eosToken");
        this.format = ToolCallFormat.detect(source);
        this.clock = clock;
    }

    /** A template and the texts of its {@code bos_token} and {@code eos_token}. */
    public static ChatTemplate of(String jinja, String bosToken, String eosToken) {
        return new ChatTemplate(jinja, bosToken, eosToken, Clock.systemDefaultZone());
    }

    /**
     * The model's own template.
     *
     * @throws InvalidRequestException if it has none, naming the built-in ones
     */
    public static ChatTemplate of(Model model) {
        String jinja = model.chatTemplate().orElseThrow(() -> new InvalidRequestException(
                "the model " + model.info().name() + " has no chat template; name a built-in one: "
                        + String.join(", ", BUILTINS)));
        return of(jinja, tokenText(model, model.specialTokens().bos()), tokenText(model, model.specialTokens().eos()));
    }

    /**
     * A built-in template ({@link #builtinNames()}, in any case), with the model's BOS and EOS.
     *
     * @throws InvalidRequestException if there is none of that name, naming those there are
     */
    public static ChatTemplate builtin(String name, Model model) {
        String key = name.toLowerCase(Locale.ROOT);
        if (!BUILTINS.contains(key)) {
            throw new InvalidRequestException("unknown chat template '" + name + "'; built-in templates: "
                    + String.join(", ", BUILTINS));
        }
        return of(resource(key), tokenText(model, model.specialTokens().bos()), tokenText(model, model.specialTokens().eos()));
    }

    /**
     * The template chats with this model use: its own; where it has none, its family's built-in
     * where there is one (Gemma GGUFs often carry no template, and Gemma was trained on its own
     * turns), else the built-in named {@code fallback}; empty when none applies.
     *
     * @throws InvalidRequestException if {@code fallback} names no built-in template
     */
    public static Optional<ChatTemplate> forModel(Model model, Optional<String> fallback) {
        // resolved first, so that a wrong name is refused even when the model has its own
        Optional<ChatTemplate> named = fallback.map(name -> builtin(name, model));
        if (model.chatTemplate().isPresent()) {
            return Optional.of(of(model));
        }
        if (GEMMA_ARCHITECTURES.contains(model.info().architecture())) {
            return Optional.of(builtin("gemma", model));
        }
        return named;
    }

    /**
     * The token ids of a prompt this template rendered: special tokens written as text (such as
     * {@code <|im_start|>}) become those tokens, and BOS is added where the model's tokenizer adds
     * one, unless the template wrote it already.
     */
    public int[] tokenize(Model model, String prompt) {
        boolean wroteBos = !bosToken.isEmpty() && prompt.startsWith(bosToken);
        return model.tokenize(prompt, !wroteBos);
    }

    /** The names of the built-in templates: chatml, llama3, zephyr, phi3, gemma. */
    public static List<String> builtinNames() {
        return BUILTINS;
    }

    /** The Jinja text. */
    public String source() {
        return source;
    }

    /** How this template's model calls tools, from the template's text. */
    public ToolCallFormat toolCallFormat() {
        return format;
    }

    /**
     * Renders the conversation as transformers does, tools passed to the template as they are
     * (a template without tool support ignores them; {@link #prompt} adds them for it).
     *
     * @param addGenerationPrompt end with the opening of an assistant turn, for the model to complete
     * @throws InvalidRequestException if the template fails or raises, quoting its message
     */
    public String render(List<ChatMessage> messages, List<Tool> tools, boolean addGenerationPrompt) {
        Map<String, Object> variables = new HashMap<>();
        variables.put("messages", TemplateVariables.messages(messages));
        if (!tools.isEmpty()) {
            variables.put("tools", TemplateVariables.tools(tools));
        }
        variables.put("add_generation_prompt", addGenerationPrompt);
        variables.put("bos_token", bosToken);
        variables.put("eos_token", eosToken);
        return Jinja.render(source, variables, clock);
    }

    /**
     * The prompt of a chat completion with tools, as this template's {@link ToolCallFormat}
     * needs it: a native format's template gets the tools (none under {@code none}); for
     * {@link ToolCallFormat#GENERIC} the system prompt lists them and the history's calls and
     * results become plain turns. With the constraint the choice demands and the parser of the
     * output. The same as {@link #prompt(List, List, ToolChoice, boolean, Optional)} without a
     * response schema.
     *
     * @throws InvalidRequestException if the choice does not fit the tools, a call's arguments
     *                                 are not JSON, or the template fails or raises
     */
    public ChatPrompt prompt(List<ChatMessage> messages, List<Tool> tools, ToolChoice choice, boolean parallelToolCalls) {
        return prompt(messages, tools, choice, parallelToolCalls, Optional.empty());
    }

    /**
     * The prompt of a chat completion with tools, as {@link #prompt(List, List, ToolChoice, boolean)}
     * says, whose answer without calls must match {@code responseSchema} (OpenAI's
     * {@code response_format}). With tools in play, only {@link ToolCallFormat#GENERIC} can
     * hold that answer to it: under {@code auto} its system prompt shows the schema as the one
     * of the envelope's {@code response}, and the constraint demands it
     * ({@link ToolCallFormat#constraint(List, ToolChoice, boolean, Optional)}); under
     * {@code required} or a named function the answer is calls and the schema changes nothing.
     * Without tools in play ({@code none}, or no tools) the schema is ignored here: the caller
     * constrains the output to it.
     *
     * @param responseSchema the JSON Schema of the answer that is no call, empty for free text
     * @throws InvalidRequestException if the choice does not fit the tools, a call's arguments
     *                                 are not JSON, a native format gets a response schema with
     *                                 tools in play, the response schema is neither an object nor
     *                                 a boolean, or the template fails or raises
     */
    public ChatPrompt prompt(List<ChatMessage> messages, List<Tool> tools, ToolChoice choice, boolean parallelToolCalls,
                             Optional<JsonNode> responseSchema) {
        Optional<ConstrainedOutput> constraint = format.constraint(tools, choice, parallelToolCalls, responseSchema);
        List<Tool> callable = ToolCallFormat.callable(tools, choice);
        List<Tool> offered = choice instanceof ToolChoice.None ? List.of() : tools;
        String text = format == ToolCallFormat.GENERIC
                ? render(GenericTools.messages(messages, offered, choice, parallelToolCalls, responseSchema), List.of(), true)
                : render(messages, offered, true);
        return new ChatPrompt(text, constraint, format, callable);
    }

    /** This template with {@code strftime_now} reading another clock. */
    ChatTemplate withClock(Clock value) {
        return new ChatTemplate(source, bosToken, eosToken, value);
    }

    private static String tokenText(Model model, int token) {
        return token == SpecialTokens.NONE ? "" : model.tokenText(token);
    }

    private static String resource(String name) {
        try (InputStream in = ChatTemplate.class.getResourceAsStream("templates/" + name + ".jinja")) {
            if (in == null) {
                throw new IllegalStateException("the built-in template " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
