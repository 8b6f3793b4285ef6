package dev.jvmllm.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The conversations, tools and real templates the tests share. */
final class Fixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    static final Tool WEATHER = new Tool("get_weather", "Get the current weather in a city",
            json("{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}"));
    static final Tool TIME = new Tool("get_time", "Get the local time in a city",
            json("{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}, \"format\": {\"enum\": [\"12h\", \"24h\"]}},"
                    + " \"required\": [\"city\"]}"));
    static final List<Tool> TOOLS = List.of(WEATHER, TIME);
    /** The schema of a structured answer (what LangChain4j sends for a method that returns a record). */
    static final JsonNode REPORT = json("{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"},"
            + " \"weather\": {\"type\": \"string\"}}, \"required\": [\"city\", \"weather\"], \"additionalProperties\": false}");

    /**
     * A system prompt, two turns, an assistant tool call and its result: what every template is
     * rendered with. The call id has 9 letters and digits, which Mistral's templates demand.
     */
    static final List<ChatMessage> WEATHER_CHAT = List.of(
            ChatMessage.system("You are a weather assistant."),
            ChatMessage.user("What's the weather in Paris?"),
            ChatMessage.assistantToolCalls(List.of(new ToolCall("abcDEF123", "get_weather", "{\"city\":\"Paris\"}"))),
            ChatMessage.toolResult("abcDEF123", "sunny, 22 °C"),
            ChatMessage.assistant("It is sunny in Paris."),
            ChatMessage.user("And in Rome?"));

    private Fixtures() {
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * A real template, byte for byte as published, from {@code src/test/resources/dev/jvmllm/chat/templates/}:
     * <ul>
     * <li>{@code Qwen-Qwen2.5-Instruct.jinja}: the {@code chat_template} of the Hugging Face
     *     repository Qwen/Qwen2.5-7B-Instruct's tokenizer_config.json (the Hermes tool format)</li>
     * <li>{@code meta-llama-Llama-3.2-3B-Instruct.jinja} and
     *     {@code mistralai-Mistral-Nemo-Instruct-2407.jinja}: ggerganov/llama.cpp,
     *     models/templates/, commit 7b5e0803c84435e8005725d8f9ddceb5d1820443</li>
     * <li>{@code Qwen-Qwen3-0.6B.jinja}: ye-NX/llama.cpp (a fork of llama.cpp),
     *     models/templates/Qwen-Qwen3-0.6B.jinja, commit b354d7c9ecb76c97c07098617cdebbdfffa2583e,
     *     line ends as LF</li>
     * <li>{@code google-gemma-3-it.jinja}: the {@code chat_template} of google/gemma-3-*-it's
     *     tokenizer_config.json, as quoted by ShishirPatil/gorilla,
     *     berkeley-function-call-leaderboard/bfcl_eval/model_handler/local_inference/gemma.py; the
     *     Gemma 3 270M GGUF the tests use has no template in its metadata</li>
     * </ul>
     */
    static String template(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("templates/" + name + ".jinja")) {
            if (in == null) {
                throw new IllegalArgumentException("no template " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
