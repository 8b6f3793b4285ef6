package dev.jvmllm.onnx.internal;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.jvmllm.api.ChatMessage;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.SpecialTokens;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

/**
 * Formats conversations as prompts: with a built-in template named by the caller, or with the
 * model's own Jinja template from {@code tokenizer_config.json}, rendered by HubSpot's Jinjava
 * with the variables Hugging Face's {@code apply_chat_template} provides ({@code messages},
 * {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}) and its
 * {@code raise_exception} function.
 */
final class ChatTemplates {
    /** Built-in templates by name, written as llama.cpp formats the same names. */
    private static final Map<String, Builtin> BUILTINS = new LinkedHashMap<>();

    static {
        BUILTINS.put("chatml", new Builtin(
                (m, out) -> out.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n"),
                "<|im_start|>assistant\n"));
        BUILTINS.put("llama3", new Builtin(
                (m, out) -> out.append("<|start_header_id|>").append(m.role()).append("<|end_header_id|>\n\n")
                        .append(m.content().strip()).append("<|eot_id|>"),
                "<|start_header_id|>assistant<|end_header_id|>\n\n"));
        BUILTINS.put("zephyr", new Builtin(
                (m, out) -> out.append("<|").append(m.role()).append("|>\n").append(m.content()).append("<|endoftext|>\n"),
                "<|assistant|>\n"));
        BUILTINS.put("phi3", new Builtin(
                (m, out) -> out.append("<|").append(m.role()).append("|>\n").append(m.content()).append("<|end|>\n"),
                "<|assistant|>\n"));
    }

    private record Builtin(BiConsumer<ChatMessage, StringBuilder> turn, String assistantOpening) {
        String apply(List<ChatMessage> messages, boolean addAssistantTurn) {
            StringBuilder out = new StringBuilder();
            messages.forEach(m -> turn.accept(m, out));
            return addAssistantTurn ? out.append(assistantOpening).toString() : out.toString();
        }
    }

    private final Optional<String> modelTemplate;
    private final String bosText;
    private final String eosText;

    ChatTemplates(TokenizerConfig config, SpecialTokens special, HfTokenizer tokenizer) {
        this.modelTemplate = config.chatTemplate();
        this.bosText = config.bosToken().orElseGet(() -> text(tokenizer, special.bos()));
        this.eosText = config.eosToken().orElseGet(() -> text(tokenizer, special.eos()));
    }

    Optional<String> modelTemplate() {
        return modelTemplate;
    }

    String apply(List<ChatMessage> messages, Optional<String> name, boolean addAssistantTurn) {
        if (name.isPresent()) {
            Builtin builtin = BUILTINS.get(name.get().toLowerCase(java.util.Locale.ROOT));
            if (builtin == null) {
                throw new InvalidRequestException("unknown chat template '" + name.get() + "'; built-in templates: "
                        + String.join(", ", BUILTINS.keySet()));
            }
            return builtin.apply(messages, addAssistantTurn);
        }
        String template = modelTemplate.orElseThrow(() -> new InvalidRequestException("the model has no chat template;"
                + " name a built-in one: " + String.join(", ", BUILTINS.keySet())));
        return render(template, messages, addAssistantTurn);
    }

    private String render(String template, List<ChatMessage> messages, boolean addAssistantTurn) {
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages.stream()
                .map(m -> Map.of("role", m.role(), "content", m.content()))
                .toList());
        context.put("add_generation_prompt", addAssistantTurn);
        context.put("bos_token", bosText);
        context.put("eos_token", eosText);
        RenderResult result = JINJAVA.renderForResult(template, context);
        List<TemplateError> errors = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL)
                .toList();
        for (TemplateError error : errors) {
            // Jinjava wraps what a function throws; a template's own raise_exception speaks for itself
            for (Throwable cause = error.getException(); cause != null; cause = cause.getCause()) {
                if (cause instanceof InvalidRequestException raised) {
                    throw raised;
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequestException("the model's chat template failed: " + errors.stream()
                    .map(TemplateError::getMessage).collect(Collectors.joining("; ")));
        }
        return result.getOutput();
    }

    /** Jinjava set up like Hugging Face's sandboxed environment: blocks trimmed, raise_exception available. */
    private static final Jinjava JINJAVA = createJinjava();

    private static Jinjava createJinjava() {
        Jinjava jinjava = new Jinjava(JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withFailOnUnknownTokens(false)
                .build());
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                ChatTemplates.class, "raiseException", String.class));
        return jinjava;
    }

    /** The {@code raise_exception} of Hugging Face templates: a template rejecting the conversation. */
    public static String raiseException(String message) {
        throw new InvalidRequestException("the model's chat template rejected the conversation: " + message);
    }

    private static String text(HfTokenizer tokenizer, int token) {
        return token == SpecialTokens.NONE ? "" : tokenizer.text(token).orElse("");
    }
}
