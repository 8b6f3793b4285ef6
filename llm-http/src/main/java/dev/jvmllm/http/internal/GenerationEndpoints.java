package dev.jvmllm.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import dev.jvmllm.api.ChatMessage;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.Prompt;
import dev.jvmllm.api.SamplingParams;

import java.io.IOException;
import java.util.ArrayList;
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
    /** Makes response ids unique across servers and restarts: random per server, then a counter. */
    private final String idPrefix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + "-";
    private final AtomicLong ids = new AtomicLong();

    GenerationEndpoints(ServerSettings settings, Generations generations) {
        this.settings = settings;
        this.generations = generations;
        this.model = settings.generation().model();
    }

    void generate(HttpExchange exchange) throws IOException {
        JsonFields body = readBody(exchange);
        String prompt = body.requiredString("prompt");
        SamplingParams sampling = SamplingFields.read(body, body.integer("max_tokens").orElse(GENERATE_MAX_TOKENS));
        boolean stream = body.bool("stream");
        generations.respond(exchange, GenerationRequest.of(prompt, sampling), 1,
                new GenerateFormat(nextId("gen-"), settings.modelName()), stream);
    }

    void completions(HttpExchange exchange) throws IOException {
        JsonFields body = readBody(exchange);
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
        int choices = checkOpenAiFields(body);
        List<ChatMessage> messages = chatMessages(body);
        // the model's own template where it has one; else the server's configured one
        Optional<String> template = model.chatTemplate().isPresent() ? Optional.empty() : settings.chatTemplate();
        String prompt = model.applyChatTemplate(messages, template, true);
        int maxTokens = body.integer("max_completion_tokens")
                .orElse(body.integer("max_tokens").orElse(model.info().trainedContextLength()));
        SamplingParams sampling = SamplingFields.read(body, maxTokens);
        boolean stream = body.bool("stream");
        boolean logprobs = body.bool("logprobs");
        OptionalInt top = topLogprobs(body, "top_logprobs");
        if (top.isPresent() && !logprobs) {
            throw ApiError.invalidValue("top_logprobs", "'top_logprobs' needs 'logprobs': true");
        }
        GenerationRequest request = GenerationRequest.of(prompt, sampling);
        if (logprobs) {
            request = request.withLogprobs(top.orElse(0));
        }
        generations.respond(exchange, request, choices, new ChatFormat(nextId("chatcmpl-"), epochSeconds(), settings.modelName(),
                streamUsage(body), logprobs ? model : null), stream);
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

    private static List<ChatMessage> chatMessages(JsonFields body) {
        List<JsonFields> objects = body.objects("messages");
        if (objects.isEmpty()) {
            throw ApiError.invalidValue("messages", "'messages' must not be empty");
        }
        List<ChatMessage> messages = new ArrayList<>(objects.size());
        for (JsonFields message : objects) {
            messages.add(new ChatMessage(message.requiredString("role"), content(message)));
        }
        return messages;
    }

    /** A string, null (an assistant turn that only called tools), or an array of text parts. */
    private static String content(JsonFields message) {
        JsonNode content = message.node("content");
        if (content == null) {
            return "";
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        String expected = "a string or an array of text parts";
        if (!content.isArray()) {
            throw ApiError.wrongType(message.pathOf("content"), expected);
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            JsonNode partText = part.get("text");
            if (!"text".equals(part.path("type").asText()) || partText == null || !partText.isTextual()) {
                throw ApiError.wrongType(message.pathOf("content"), expected);
            }
            text.append(partText.textValue());
        }
        return text.toString();
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
