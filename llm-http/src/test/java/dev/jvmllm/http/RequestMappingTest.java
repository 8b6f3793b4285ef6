package dev.jvmllm.http;

import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.Prompt;
import dev.jvmllm.api.SamplingParams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What each endpoint asks the scheduler for: prompt, sampling parameters, defaults. */
class RequestMappingTest {
    private final FakeServer fake = new FakeServer();

    @AfterEach
    void close() {
        fake.close();
    }

    @Test
    void everySamplingFieldReachesTheScheduler() throws Exception {
        assertThat(fake.client.post("/generate", "{\"prompt\":\"Hi\",\"max_tokens\":7,\"temperature\":0.5,\"top_k\":40,"
                + "\"top_p\":0.9,\"min_p\":0.05,\"repetition_penalty\":1.1,\"presence_penalty\":0.5,"
                + "\"frequency_penalty\":0.25,\"seed\":42,\"stop\":[\"\\n\",\"The end\"]}")
                .statusCode()).isEqualTo(200);

        GenerationRequest request = fake.scheduler.next().request;
        assertThat(request.prompt()).isEqualTo(Prompt.text("Hi"));
        assertThat(request.sampling()).isEqualTo(SamplingParams.builder().maxTokens(7).temperature(0.5).topK(40)
                .topP(0.9).minP(0.05).repetitionPenalty(1.1).presencePenalty(0.5).frequencyPenalty(0.25).seed(42)
                .stop(List.of("\n", "The end")).build());
        assertThat(request.timeout()).isEmpty();
    }

    @Test
    void generateDefaultsTo256TokensAtTemperatureOne() throws Exception {
        fake.client.post("/generate", "{\"prompt\":\"Hi\"}");

        assertThat(fake.scheduler.next().request.sampling()).isEqualTo(SamplingParams.builder().maxTokens(256).build());
    }

    @Test
    void completionsDefaultTo16TokensAsOpenAiDoes() throws Exception {
        fake.client.post("/v1/completions", "{\"prompt\":\"Hi\",\"stop\":\"\\n\",\"n\":1,\"model\":null}");

        assertThat(fake.scheduler.next().request.sampling())
                .isEqualTo(SamplingParams.builder().maxTokens(16).stop(List.of("\n")).build());
    }

    @Test
    void completionPromptMayBeOneStringInAnArrayOrTokenIds() throws Exception {
        fake.client.post("/v1/completions", "{\"prompt\":[\"Hi there\"]}");
        assertThat(fake.scheduler.next().request.prompt()).isEqualTo(Prompt.text("Hi there"));

        fake.client.post("/v1/completions", "{\"prompt\":[1,72,105]}");
        Prompt tokens = fake.scheduler.next().request.prompt();
        assertThat(tokens).isInstanceOf(Prompt.Tokens.class);
        assertThat(((Prompt.Tokens) tokens).ids()).containsExactly(1, 72, 105);
    }

    @Test
    void chatFormatsTheMessagesWithTheConfiguredTemplateAndDefaultsToTheContextLength() throws Exception {
        fake.client.post("/v1/chat/completions", "{\"model\":\"fake-model\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hello\"},{\"type\":\"text\",\"text\":\" you\"}]},"
                + "{\"role\":\"assistant\",\"content\":null}],\"temperature\":0}");

        GenerationRequest request = fake.scheduler.next().request;
        // the rendered chat, tokenized with the model's BOS (which the chatml template does not write)
        assertThat(((Prompt.Tokens) request.prompt()).ids()).containsExactly(new FakeModel().tokenize(
                "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello you<|im_end|>\n"
                        + "<|im_start|>assistant\n<|im_end|>\n<|im_start|>assistant\n", true));
        assertThat(request.sampling()).isEqualTo(SamplingParams.builder().maxTokens(128).temperature(0).build());
    }

    @Test
    void chatTakesMaxCompletionTokensBeforeMaxTokens() throws Exception {
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";
        fake.client.post("/v1/chat/completions", "{" + messages + ",\"max_tokens\":9}");
        assertThat(fake.scheduler.next().request.sampling().maxTokens()).isEqualTo(9);

        fake.client.post("/v1/chat/completions", "{" + messages + ",\"max_tokens\":9,\"max_completion_tokens\":4}");
        assertThat(fake.scheduler.next().request.sampling().maxTokens()).isEqualTo(4);
    }
}
