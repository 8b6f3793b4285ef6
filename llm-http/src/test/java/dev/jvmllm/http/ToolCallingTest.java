package dev.jvmllm.http;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.chat.completions.StructuredChatCompletion;
import com.openai.models.chat.completions.StructuredChatCompletionCreateParams;
import dev.jvmllm.api.Backends;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tools and structured outputs through the official OpenAI Java SDK, on the real models over
 * HTTP, greedy and without the prefix cache (so each answer is the same on every run): a function
 * call round trip, a streamed
 * call that reassembles into the whole answer's call, and {@code responseFormat(Class)}.
 */
class ToolCallingTest {

    /** The SDK turns this class into the tool's parameters: a strict object schema. */
    static final class GetWeather {
        @JsonPropertyDescription("the city, such as Paris")
        public String city;
    }

    /** The SDK turns this record into a strict {@code json_schema} response format. */
    record Country(String name, String capital, long population) {
    }

    /**
     * Call, result, answer. On SmolLM2 the answer after the result is the result; Gemma 3 270M
     * calls the tool again instead (its choice, under {@code auto}, between a call and an answer),
     * so on it the round trip is checked up to a valid second answer.
     */
    @ParameterizedTest
    @ValueSource(strings = {"smollm2", "gemma3"})
    void aFunctionCallRoundTrip(String which) {
        try (Served served = new Served(which)) {
            ChatCompletionCreateParams.Builder first = ChatCompletionCreateParams.builder().model(served.name())
                    .addUserMessage("What is the weather in Paris?").addTool(GetWeather.class)
                    .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).parallelToolCalls(false).temperature(0)
                    .maxCompletionTokens(100);
            ChatCompletion calling = served.client.chat().completions().create(first.build());

            ChatCompletion.Choice choice = calling.choices().getFirst();
            assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
            assertThat(choice.message().content()).isEmpty();
            ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().getFirst().asFunction();
            assertThat(call.id()).startsWith("call_");
            assertThat(call.function().name()).isEqualTo("GetWeather"); // the SDK names a tool after its class
            assertThat(call.function().arguments(GetWeather.class).city).isEqualTo("Paris");

            ChatCompletion answer = served.client.chat().completions().create(first
                    .addMessage(choice.message())
                    .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id())
                            .content("Sunny, 24 degrees Celsius.").build())
                    .toolChoice(ChatCompletionToolChoiceOption.Auto.AUTO).build());
            ChatCompletion.Choice second = answer.choices().getFirst();
            if (which.equals("smollm2")) {
                assertThat(second.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
                assertThat(second.message().toolCalls()).isEmpty();
                assertThat(second.message().content()).hasValueSatisfying(text -> assertThat(text).contains("24"));
            } else {
                assertThat(second.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
                assertThat(second.message().toolCalls().orElseThrow().getFirst().asFunction().function()
                        .arguments(GetWeather.class).city).isNotBlank();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"smollm2", "gemma3"})
    void aStreamedCallReassemblesIntoTheWholeAnswersCall(String which) {
        try (Served served = new Served(which)) {
            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(served.name())
                    .addUserMessage("What is the weather in Oslo?").addTool(GetWeather.class)
                    .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).parallelToolCalls(false).temperature(0)
                    .maxCompletionTokens(100)
                    .build();
            ChatCompletionMessageFunctionToolCall whole = served.client.chat().completions().create(params)
                    .choices().getFirst().message().toolCalls().orElseThrow().getFirst().asFunction();

            Map<Long, String[]> calls = new TreeMap<>(); // index -> id, name, arguments
            ChatCompletionChunk.Choice.FinishReason finish = null;
            int argumentChunks = 0;
            try (StreamResponse<ChatCompletionChunk> stream = served.client.chat().completions().createStreaming(params)) {
                for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
                    ChatCompletionChunk.Choice choice = chunk.choices().getFirst();
                    for (ChatCompletionChunk.Choice.Delta.ToolCall delta : choice.delta().toolCalls().orElse(List.of())) {
                        String[] call = calls.get(delta.index());
                        if (call == null) {
                            // OpenAI's shape: the first delta of a call names it, the later ones only add arguments
                            assertThat(delta.id()).isPresent();
                            assertThat(delta.function().orElseThrow().name()).isPresent();
                            call = new String[] {delta.id().get(), delta.function().get().name().get(), ""};
                            calls.put(delta.index(), call);
                        } else {
                            assertThat(delta.id()).isEmpty();
                            assertThat(delta.function().orElseThrow().name()).isEmpty();
                            argumentChunks++;
                        }
                        call[2] += delta.function().flatMap(ChatCompletionChunk.Choice.Delta.ToolCall.Function::arguments)
                                .orElse("");
                    }
                    if (choice.finishReason().isPresent()) {
                        finish = choice.finishReason().get();
                    }
                }
            }
            assertThat(finish).isEqualTo(ChatCompletionChunk.Choice.FinishReason.TOOL_CALLS);
            assertThat(calls).hasSize(1);
            String[] streamed = calls.values().iterator().next();
            assertThat(streamed[0]).startsWith("call_");
            assertThat(streamed[1]).isEqualTo(whole.function().name());
            assertThat(streamed[2]).isEqualTo(whole.function().arguments());
            assertThat(argumentChunks).as("the arguments arrive in pieces as they are generated").isGreaterThan(1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"smollm2", "gemma3"})
    void aRecordAsTheResponseFormat(String which) {
        try (Served served = new Served(which)) {
            StructuredChatCompletionCreateParams<Country> params = ChatCompletionCreateParams.builder()
                    .model(served.name()).addUserMessage("Describe France: its name, capital and population.")
                    .responseFormat(Country.class).temperature(0).maxCompletionTokens(200).build();
            StructuredChatCompletion<Country> completion = served.client.chat().completions().create(params);

            Country country = completion.choices().getFirst().message().content().orElseThrow();
            assertThat(country.name()).isNotBlank();
            assertThat(country.capital()).isNotBlank();
            assertThat(country.population()).isNotNegative();
        }
    }

    /** A server on one of the real models, and an OpenAI client of it. */
    private static final class Served implements AutoCloseable {
        final Model model;
        final Scheduler scheduler;
        final LlmServer server;
        final OpenAIClient client;

        Served(String which) {
            Path file = which.equals("smollm2") ? TestAssets.smolLm2() : TestAssets.gemma3();
            model = Backends.open(file);
            // without the prefix cache: whether a request finds the last one's KV cache depends on when the
            // engine retired it, and a reused prefix can tip a near tie (docs/scheduler.md), so greedy answers vary
            scheduler = Schedulers.create(model, SchedulerOptions.defaults().withMaxSequences(2).withContextSize(1024)
                    .withPrefixCache(false));
            server = LlmServer.builder(scheduler).port(0).build().start();
            client = OpenAIOkHttpClient.builder().baseUrl(server.uri() + "/v1").apiKey("unused").maxRetries(0).build();
        }

        String name() {
            return model.info().name();
        }

        @Override
        public void close() {
            client.close();
            server.close();
            scheduler.close();
            model.close();
        }
    }
}
