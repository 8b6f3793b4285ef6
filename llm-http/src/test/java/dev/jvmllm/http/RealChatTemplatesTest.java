package dev.jvmllm.http;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jvmllm.api.Backends;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.Prompt;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.scheduler.DirectGenerator;
import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A chat completion over HTTP on the real models is generated from the prompt that the model's own
 * turn format makes of the conversation, token for token: ChatML for SmolLM2 (the template in its
 * file), the Gemma turns for Gemma 3 (whose file has no template: the Gemma family's), with the
 * special tokens as single ids. The answer equals the direct path's on exactly those tokens.
 */
class RealChatTemplatesTest {
    private static final String SYSTEM = "You are a helpful assistant.";
    private static final String USER = "What is the capital of France?";

    @ParameterizedTest
    @ValueSource(strings = {"smollm2", "gemma3"})
    void theChatIsGeneratedFromTheModelsOwnTurnFormat(String which) {
        Path file = which.equals("smollm2") ? TestAssets.smolLm2() : TestAssets.gemma3();
        try (Model model = Backends.open(file);
             Scheduler scheduler = Schedulers.create(model, SchedulerOptions.defaults().withMaxSequences(2)
                     .withContextSize(256).withThreads(1));
             LlmServer server = LlmServer.builder(scheduler).port(0).build().start();
             BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults().withContextSize(256)
                     .withThreads(1))) {
            int[] prompt;
            if (which.equals("smollm2")) {
                prompt = model.tokenize("<|im_start|>system\n" + SYSTEM + "<|im_end|>\n<|im_start|>user\n" + USER
                        + "<|im_end|>\n<|im_start|>assistant\n", false);
                // <|im_start|> (1) and <|im_end|> (2) are single special tokens, and SmolLM2 has no BOS prefix
                assertThat(prompt[0]).isEqualTo(1);
                assertThat(java.util.Arrays.stream(prompt).filter(id -> id == 1).count()).isEqualTo(3);
                assertThat(java.util.Arrays.stream(prompt).filter(id -> id == 2).count()).isEqualTo(2);
                assertThat(prompt).endsWith(1, 520, 9531, 198);
            } else {
                prompt = model.tokenize("<bos><start_of_turn>user\n" + SYSTEM + "\n\n" + USER
                        + "<end_of_turn>\n<start_of_turn>model\n", false);
                // BOS (2) once, then <start_of_turn> as one token
                assertThat(prompt[0]).isEqualTo(2);
                assertThat(prompt[1]).isEqualTo(model.tokenize("<start_of_turn>", false)[0]);
                assertThat(model.tokenize("<start_of_turn>", false)).hasSize(1);
                assertThat(java.util.Arrays.stream(prompt).filter(id -> id == 2).count()).isEqualTo(1);
            }
            GenerationResult expected = new DirectGenerator(processor)
                    .generate(GenerationRequest.of(Prompt.tokens(prompt), SamplingParams.greedy(16)));

            OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(server.uri() + "/v1").apiKey("unused")
                    .maxRetries(0).build();
            try {
                ChatCompletion chat = client.chat().completions().create(ChatCompletionCreateParams.builder()
                        .model(model.info().name()).addSystemMessage(SYSTEM).addUserMessage(USER)
                        .maxCompletionTokens(16).temperature(0).build());
                assertThat(chat.usage().orElseThrow().promptTokens()).isEqualTo(prompt.length);
                assertThat(chat.choices().getFirst().message().content()).hasValue(expected.text());
                assertThat(expected.text()).isNotBlank();
            } finally {
                client.close();
            }
        }
    }

    /**
     * A conversation with a system message, two user turns, an assistant's tool call and its
     * result, over raw HTTP with the tool offered but not to be called ({@code tool_choice:
     * "none"}): neither template knows tools, so the call and the result become the generic
     * form's JSON turns (the result joined to the next user turn, as Gemma's alternation demands).
     * The prompt the server computes is the expected string's tokens, one for one, and the answer
     * is the direct path's on them.
     */
    @ParameterizedTest
    @ValueSource(strings = {"smollm2", "gemma3"})
    void aToolCallAndItsResultReachThePromptInTheModelsTurns(String which) throws Exception {
        Path file = which.equals("smollm2") ? TestAssets.smolLm2() : TestAssets.gemma3();
        String call = "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]}";
        String result = "{\"result\": {\"id\": \"call_1\", \"name\": \"get_weather\", \"content\": \"Sunny\"}}";
        try (Model model = Backends.open(file);
             Scheduler scheduler = Schedulers.create(model, SchedulerOptions.defaults().withMaxSequences(2)
                     .withContextSize(512).withThreads(1));
             LlmServer server = LlmServer.builder(scheduler).port(0).build().start();
             BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults().withContextSize(512)
                     .withThreads(1));
             TestClient client = new TestClient(server, null)) {
            int[] prompt = which.equals("smollm2")
                    ? model.tokenize("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is the weather"
                    + " in Paris?<|im_end|>\n<|im_start|>assistant\n" + call + "<|im_end|>\n<|im_start|>user\n" + result
                    + "\n\nAnd in Rome?<|im_end|>\n<|im_start|>assistant\n", false)
                    : model.tokenize("<start_of_turn>user\nBe brief.\n\nWhat is the weather in Paris?<end_of_turn>\n"
                    + "<start_of_turn>model\n" + call + "<end_of_turn>\n<start_of_turn>user\n" + result
                    + "\n\nAnd in Rome?<end_of_turn>\n<start_of_turn>model\n", true);
            GenerationResult expected = new DirectGenerator(processor)
                    .generate(GenerationRequest.of(Prompt.tokens(prompt), SamplingParams.greedy(12)));

            JsonNode answer = TestClient.json(client.post("/v1/chat/completions", """
                    {"messages": [
                      {"role": "system", "content": "Be brief."},
                      {"role": "user", "content": "What is the weather in Paris?"},
                      {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                        "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]},
                      {"role": "tool", "tool_call_id": "call_1", "content": "Sunny"},
                      {"role": "user", "content": "And in Rome?"}],
                     "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object",
                       "properties": {"city": {"type": "string"}}}}}],
                     "tool_choice": "none", "max_tokens": 12, "temperature": 0}
                    """));
            assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(prompt.length);
            assertThat(answer.at("/choices/0/message/content").asText()).isEqualTo(expected.text());
        }
    }
}
