package dev.jvmllm.http;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
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
}
