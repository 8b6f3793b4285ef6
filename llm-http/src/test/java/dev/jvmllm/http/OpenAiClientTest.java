package dev.jvmllm.http;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.models.Model;
import dev.jvmllm.api.QueueFullException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official OpenAI Java client against the server over a scripted scheduler. */
class OpenAiClientTest {
    private static final String KEY = "sk-local";
    /** The scripted scheduler caches no prefix. */
    private static final CompletionUsage.PromptTokensDetails NOTHING_CACHED =
            CompletionUsage.PromptTokensDetails.builder().cachedTokens(0).build();

    private final FakeServer fake = new FakeServer(builder -> builder.apiKey(KEY).chatTemplate("chatml"));
    private final OpenAIClient client = OpenAIOkHttpClient.builder()
            .baseUrl(fake.server.uri() + "/v1").apiKey(KEY).maxRetries(0).build();

    @AfterEach
    void close() {
        client.close();
        fake.close();
    }

    @Test
    void completion() {
        Completion completion = client.completions().create(CompletionCreateParams.builder()
                .model("fake-model").prompt("Hi").maxTokens(3).temperature(0).build());

        assertThat(completion.id()).startsWith("cmpl-");
        assertThat(completion._object_()).isEqualTo(JsonValue.from("text_completion"));
        assertThat(completion.model()).isEqualTo("fake-model");
        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().getFirst().text()).isEqualTo("Once upon a");
        assertThat(completion.choices().getFirst().finishReason()).isEqualTo(CompletionChoice.FinishReason.LENGTH);
        assertThat(completion.usage()).hasValue(CompletionUsage.builder().promptTokens(3).completionTokens(3).totalTokens(6)
                .promptTokensDetails(NOTHING_CACHED).build());
    }

    @Test
    void streamedCompletion() {
        List<Completion> chunks;
        try (StreamResponse<Completion> stream = client.completions().createStreaming(CompletionCreateParams.builder()
                .model("fake-model").prompt("Hi").maxTokens(3).build())) {
            chunks = stream.stream().toList();
        }

        assertThat(chunks).extracting(chunk -> chunk.choices().getFirst().text()).containsExactly("Once", " upon", " a", "");
        assertThat(chunks.getLast().choices().getFirst().finishReason()).isEqualTo(CompletionChoice.FinishReason.LENGTH);
        assertThat(chunks).extracting(Completion::id).containsOnly(chunks.getFirst().id());
    }

    @Test
    void chatCompletion() {
        ChatCompletion chat = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("fake-model").addSystemMessage("Be brief.").addUserMessage("Tell me a story.").build());

        assertThat(chat.id()).startsWith("chatcmpl-");
        assertThat(chat._object_()).isEqualTo(JsonValue.from("chat.completion"));
        assertThat(chat.choices().getFirst().message().content()).hasValue("Once upon a time.");
        assertThat(chat.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        int promptTokens = 1 + ("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nTell me a story.<|im_end|>\n"
                + "<|im_start|>assistant\n").length();
        assertThat(chat.usage()).hasValue(CompletionUsage.builder()
                .promptTokens(promptTokens).completionTokens(5).totalTokens(promptTokens + 5)
                .promptTokensDetails(NOTHING_CACHED).build());
    }

    @Test
    void streamedChatStartsWithTheRoleAndEndsWithUsage() {
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("fake-model").addUserMessage("Hi").maxCompletionTokens(2)
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            chunks = stream.stream().toList();
        }

        assertThat(chunks).hasSize(5); // role, 2 tokens, finish, usage
        assertThat(chunks.getFirst().choices().getFirst().delta().role())
                .hasValue(ChatCompletionChunk.Choice.Delta.Role.ASSISTANT);
        assertThat(chunks.subList(0, 3)).extracting(chunk -> chunk.choices().getFirst().delta().content().orElseThrow())
                .containsExactly("", "Once", " upon");
        assertThat(chunks.get(3).choices().getFirst().finishReason())
                .hasValue(ChatCompletionChunk.Choice.FinishReason.LENGTH);
        assertThat(chunks.get(3).choices().getFirst().delta().content()).isEmpty();
        assertThat(chunks.get(4).choices()).isEmpty();
        int promptTokens = 1 + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n".length();
        assertThat(chunks.get(4).usage()).hasValue(CompletionUsage.builder()
                .promptTokens(promptTokens).completionTokens(2).totalTokens(promptTokens + 2)
                .promptTokensDetails(NOTHING_CACHED).build());
        assertThat(chunks.subList(0, 4)).allSatisfy(chunk -> assertThat(chunk.usage()).isEmpty());
    }

    @Test
    void models() {
        List<Model> models = client.models().list().data();

        assertThat(models).extracting(Model::id).containsExactly("fake-model");
        assertThat(client.models().retrieve("fake-model").ownedBy()).isEqualTo("jvmllm");
    }

    @Test
    void unknownModelIsNotFound() {
        assertThatThrownBy(() -> client.completions().create(CompletionCreateParams.builder()
                .model("gpt-3.5-turbo-instruct").prompt("Hi").build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.code()).hasValue("model_not_found");
                    assertThat(e.getMessage()).contains("the model 'gpt-3.5-turbo-instruct' does not exist; this server serves 'fake-model'");
                });
    }

    @Test
    void fullQueueIsRateLimited() {
        fake.scheduler.refusal = new QueueFullException("the queue is full");

        assertThatThrownBy(() -> client.completions().create(CompletionCreateParams.builder()
                .model("fake-model").prompt("Hi").build()))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.headers().values("Retry-After")).containsExactly("1");
                });
    }
}
