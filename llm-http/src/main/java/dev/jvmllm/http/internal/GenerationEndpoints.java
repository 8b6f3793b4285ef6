package dev.jvmllm.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.OutputConstraint;
import dev.jvmllm.api.Prompt;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.chat.ChatMessage;
import dev.jvmllm.chat.ChatPrompt;
import dev.jvmllm.chat.ChatTemplate;
import dev.jvmllm.chat.Tool;
import dev.jvmllm.chat.ToolChoice;

import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code POST /generate}, {@code POST /v1/completions} and {@code POST /v1/chat/completions}:
 * each reads its body into a {@link GenerationRequest} and a {@link ResponseFormat}, and lets
 * {@link Generations} run it.
 *
 * <p>Token limits when the request names none: {@value #GENERATE_MAX_TOKENS} for
 * {@code /generate} (the library's default), {@value #COMPLETIONS_MAX_TOKENS} for completions
 * (OpenAI's default), and for chat the model's trained context length, i.e. "until the model ends
 * its turn or the context is full", which is what OpenAI's chat endpoint does.
 */
final class GenerationEndpoints {
    static final int GENERATE_MAX_TOKENS = 256;
    static final int COMPLETIONS_MAX_TOKENS = 16;
    /** The most top log-probabilities a request may ask for, OpenAI's limit for chat. */
    static final int MAX_TOP_LOGPROBS = 20;

    private final ServerSettings settings;
    private final Generations generations;
    private final Model model;
    /** How chats become prompts; null when the model has no template and the server names none. */
    private final ChatTemplate chatTemplate;
    /** Makes response ids unique across servers and restarts: random per server, then a counter. */
    private final String idPrefix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + "-";
    private final AtomicLong ids = new AtomicLong();

    GenerationEndpoints(ServerSettings settings, Generations generations) {
        this.settings = settings;
        this.generations = generations;
        this.model = settings.generation().model();
        this.chatTemplate = ChatTemplate.forModel(model, settings.chatTemplate()).orElse(null);
    }

    void generate(HttpExchange exchange) throws IOException {
        JsonFields body = readBody(exchange);
        FieldPolicy.GENERATE.check(body);
        String prompt = body.requiredString("prompt");
        SamplingParams sampling = SamplingFields.read(body, body.integer("max_tokens").orElse(GENERATE_MAX_TOKENS));
        boolean stream = body.bool("stream");
        GenerationRequest request = GenerationRequest.of(prompt, sampling);
        Optional<String> grammar = body.string("grammar");
        JsonNode schema = body.node("json_schema");
        if (grammar.isPresent() && schema != null) {
            throw ApiError.invalidValue("json_schema", "give 'grammar' or 'json_schema', not both");
        }
        if (grammar.isPresent()) {
            request = request.withConstraint(Constraints.gbnf("grammar", grammar.get()));
        } else if (schema != null) {
            request = request.withConstraint(Constraints.jsonSchema("json_schema", schema));
        }
        generations.respond(exchange, request, 1, new GenerateFormat(nextId("gen-"), settings.modelName()), stream);
    }

    void completions(HttpExchange exchange) throws IOException {
        JsonFields body = readBody(exchange);
        FieldPolicy.COMPLETIONS.check(body);
        if (body.bool("echo")) {
            throw ApiError.unsupportedField("echo", "the prompt is not repeated in the answer; 'echo' may only be false");
        }
        if (body.integer("best_of").orElse(1) != 1) {
            throw ApiError.unsupportedField("best_of", "choosing the best of several completions is not implemented;"
                    + " 'best_of' may only be 1 (use 'n' for several completions)");
        }
        int choices = checkOpenAiFields(body);
        Prompt prompt = completionPrompt(body);
        SamplingParams sampling = SamplingFields.read(body, body.integer("max_tokens").orElse(COMPLETIONS_MAX_TOKENS));
        boolean stream = body.bool("stream");
        OptionalInt logprobs = topLogprobs(body, "logprobs");
        GenerationRequest request = GenerationRequest.of(prompt, sampling);
        if (logprobs.isPresent()) {
            request = request.withLogprobs(logprobs.getAsInt());
        }
        generations.respond(exchange, request, choices, new CompletionFormat(nextId("cmpl-"), epochSeconds(),
                settings.modelName(), streamUsage(body), logprobs.isPresent() ? model : null, choices), stream);
    }

    void chat(HttpExchange exchange) throws IOException {
        JsonFields body = readBody(exchange);
        FieldPolicy.CHAT.check(body);
        int choices = checkOpenAiFields(body);
        List<String> modalities = body.strings("modalities");
        if (!modalities.isEmpty() && !modalities.equals(List.of("text"))) {
            throw ApiError.unsupportedField("modalities", "this server produces text only; 'modalities' may only be [\"text\"]");
        }
        List<ChatMessage> messages = ChatFields.messages(body);
        List<Tool> tools = ChatFields.tools(body);
        ToolChoice toolChoice = ChatFields.toolChoice(body, tools);
        boolean parallelToolCalls = body.node("parallel_tool_calls") == null || body.bool("parallel_tool_calls");
        Optional<ChatFields.ResponseFormat> responseFormat = ChatFields.responseFormat(body);
        boolean toolsInPlay = !tools.isEmpty() && !(toolChoice instanceof ToolChoice.None);
        boolean logprobs = body.bool("logprobs");
        if (toolsInPlay && logprobs) {
            throw ApiError.unsupportedField("logprobs", "log-probabilities of an output read as tool calls are not"
                    + " implemented");
        }
        ChatTemplate template = chatTemplate();
        // with tools in play, an answer that calls none must match the response format (where the format can say so)
        ChatPrompt chat = template.prompt(messages, tools, toolChoice, parallelToolCalls,
                responseFormat.filter(_ -> toolsInPlay).map(ChatFields.ResponseFormat::schema));
        int maxTokens = body.integer("max_completion_tokens")
                .orElse(body.integer("max_tokens").orElse(model.info().trainedContextLength()));
        SamplingParams sampling = SamplingFields.read(body, maxTokens);
        boolean stream = body.bool("stream");
        OptionalInt top = topLogprobs(body, "top_logprobs");
        if (top.isPresent() && !logprobs) {
            throw ApiError.invalidValue("top_logprobs", "'top_logprobs' needs 'logprobs': true");
        }
        GenerationRequest request = GenerationRequest.of(Prompt.tokens(template.tokenize(model, chat.text())), sampling);
        if (logprobs) {
            request = request.withLogprobs(top.orElse(0));
        }
        Optional<? extends OutputConstraint> constraint = toolsInPlay
                ? chat.constraint().map(Constraints::toolCalls)
                : responseFormat.map(ChatFields.ResponseFormat::grammar);
        if (constraint.isPresent()) {
            request = request.withConstraint(constraint.get());
        }
        generations.respond(exchange, request, choices, new ChatFormat(nextId("chatcmpl-"), epochSeconds(),
                settings.modelName(), streamUsage(body), logprobs ? model : null, toolsInPlay ? chat : null), stream);
    }

    /** The model's own template; where it has none, its family's or the server's configured built-in. */
    private ChatTemplate chatTemplate() {
        if (chatTemplate == null) {
            throw ApiError.invalidValue("messages", "the model " + model.info().name() + " has no chat template and"
                    + " the server names none (--chat-template); built-in templates: "
                    + String.join(", ", ChatTemplate.builtinNames()));
        }
        return chatTemplate;
    }

    private JsonFields readBody(HttpExchange exchange) throws IOException {
        return RequestBody.read(exchange, settings.maxBodyBytes());
    }

    /**
     * The fields both OpenAI endpoints check before anything else.
     *
     * @return how many choices to generate ({@code n}): 1 up to the scheduler's sequences
     */
    private int checkOpenAiFields(JsonFields body) {
        body.string("model").ifPresent(name -> {
            if (!name.equals(settings.modelName())) {
                throw ApiError.modelNotFound(name, settings.modelName());
            }
        });
        int n = body.integer("n").orElse(1);
        int most = settings.generation().maxSequences();
        if (n < 1 || n > most) {
            throw ApiError.invalidValue("n", "'n' must be in 1.." + most + " (the sequences this server generates at"
                    + " once; the choices of a request run together), got " + n);
        }
        return n;
    }

    /** A string, an array of one string, or an array of token ids. */
    private static Prompt completionPrompt(JsonFields body) {
        JsonNode prompt = body.node("prompt");
        if (prompt == null) {
            throw ApiError.missing("prompt");
        }
        if (prompt.isTextual()) {
            return Prompt.text(prompt.textValue());
        }
        if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            return Prompt.text(prompt.get(0).textValue());
        }
        if (prompt.isArray() && !prompt.isEmpty() && allInts(prompt)) {
            int[] ids = new int[prompt.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = prompt.get(i).intValue();
            }
            return Prompt.tokens(ids);
        }
        throw ApiError.invalidValue("prompt", "'prompt' must be a string, an array of one string or an array of"
                + " token ids: this server generates one completion per request");
    }

    private static boolean allInts(JsonNode array) {
        for (JsonNode element : array) {
            if (!element.isIntegralNumber() || !element.canConvertToInt()) {
                return false;
            }
        }
        return true;
    }

    /** How many top log-probabilities a field asks for: 0 to {@value #MAX_TOP_LOGPROBS}, as OpenAI allows. */
    private static OptionalInt topLogprobs(JsonFields body, String field) {
        OptionalInt top = body.integer(field);
        if (top.isPresent() && (top.getAsInt() < 0 || top.getAsInt() > MAX_TOP_LOGPROBS)) {
            throw ApiError.invalidValue(field, "'" + field + "' must be in 0.." + MAX_TOP_LOGPROBS + ", got "
                    + top.getAsInt());
        }
        return top;
    }

    private static boolean streamUsage(JsonFields body) {
        return body.object("stream_options").map(options -> options.bool("include_usage")).orElse(false);
    }

    private String nextId(String kind) {
        return kind + idPrefix + ids.incrementAndGet();
    }

    private static long epochSeconds() {
        return System.currentTimeMillis() / 1000;
    }
}
