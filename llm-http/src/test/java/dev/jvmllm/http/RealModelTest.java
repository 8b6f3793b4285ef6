package dev.jvmllm.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Backends;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.api.TokenLogprob;
import dev.jvmllm.scheduler.DirectGenerator;
import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * End to end on the real stories260K model: the server over the continuous-batching scheduler,
 * called by the official OpenAI client and by plain HTTP, gives exactly what the direct path gives
 * for the same greedy (or seeded) request. Skipped where stories260K is missing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealModelTest {
    private static final String KEY = "sk-real";
    private static final int CONTEXT = 512;
    private static final String STORY = "Once upon a time";

    private Model model;
    private Scheduler scheduler;
    private LlmServer server;
    private BatchProcessor processor;
    private DirectGenerator direct;
    private OpenAIClient client;

    @BeforeAll
    void start() {
        model = Backends.open(TestAssets.stories());
        scheduler = Schedulers.create(model, SchedulerOptions.defaults().withMaxSequences(4).withContextSize(CONTEXT));
        server = LlmServer.builder(scheduler).port(0).apiKey(KEY).chatTemplate("chatml").build().start();
        processor = model.newBatchProcessor(ProcessorOptions.defaults().withContextSize(CONTEXT));
        direct = new DirectGenerator(processor);
        client = OpenAIOkHttpClient.builder().baseUrl(server.uri() + "/v1").apiKey(KEY).maxRetries(0).build();
    }

    @AfterAll
    void stop() {
        if (model == null) {
            return;
        }
        client.close();
        server.close();
        scheduler.close();
        processor.close();
        model.close();
    }

    @Test
    void servesTheModelUnderItsFileName() {
        assertThat(client.models().list().data()).extracting(com.openai.models.models.Model::id).containsExactly("stories260K");
    }

    @Test
    void greedyCompletionEqualsTheDirectPath() {
        GenerationResult expected = direct.generate(GenerationRequest.of(STORY, SamplingParams.greedy(40)));

        Completion completion = client.completions().create(CompletionCreateParams.builder()
                .model("stories260K").prompt(STORY).maxTokens(40).temperature(0).build());

        assertThat(completion.choices().getFirst().text()).isEqualTo(expected.text());
        assertThat(completion.choices().getFirst().text()).startsWith(", there was a little girl named Lily.");
        assertThat(completion.choices().getFirst().finishReason()).isEqualTo(CompletionChoice.FinishReason.LENGTH);
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(expected.completionTokens());
        assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(expected.promptTokens());
    }

    @Test
    void streamedGreedyCompletionEqualsTheDirectPath() {
        GenerationResult expected = direct.generate(GenerationRequest.of(STORY, SamplingParams.greedy(40)));

        String streamed;
        try (StreamResponse<Completion> stream = client.completions().createStreaming(CompletionCreateParams.builder()
                .model("stories260K").prompt(STORY).maxTokens(40).temperature(0).build())) {
            streamed = stream.stream().map(chunk -> chunk.choices().getFirst().text()).collect(Collectors.joining());
        }

        assertThat(streamed).isEqualTo(expected.text());
    }

    @Test
    void greedyChatEqualsTheDirectPathOnTheChatmlPrompt() {
        String prompt = chatml("Tell me a story about a cat.");
        GenerationResult expected = direct.generate(GenerationRequest.of(prompt, SamplingParams.greedy(30)));
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("stories260K")
                .addUserMessage("Tell me a story about a cat.").maxCompletionTokens(30).temperature(0).build();

        ChatCompletion chat = client.chat().completions().create(params);
        String streamed;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            streamed = stream.stream().flatMap(chunk -> chunk.choices().stream())
                    .map(choice -> choice.delta().content().orElse("")).collect(Collectors.joining());
        }

        assertThat(chat.choices().getFirst().message().content()).hasValue(expected.text());
        assertThat(chat.usage().orElseThrow().promptTokens()).isEqualTo(expected.promptTokens());
        assertThat(streamed).isEqualTo(expected.text());
    }

    @Test
    void generateReturnsTheDirectPathsTokensWholeAndStreamed() {
        GenerationResult expected = direct.generate(GenerationRequest.of(STORY, SamplingParams.greedy(24)));
        List<Integer> expectedTokens = java.util.Arrays.stream(expected.tokens()).boxed().toList();
        try (TestClient http = new TestClient(server, KEY)) {
            JsonNode whole = TestClient.json(http.post("/generate", "{\"prompt\":\"" + STORY + "\",\"max_tokens\":24,\"temperature\":0}"));
            HttpResponse<String> stream = http.post("/generate",
                    "{\"prompt\":\"" + STORY + "\",\"max_tokens\":24,\"temperature\":0,\"stream\":true}");

            assertThat(whole.get("text").asText()).isEqualTo(expected.text());
            List<Integer> tokens = new ArrayList<>();
            whole.get("tokens").forEach(token -> tokens.add(token.asInt()));
            assertThat(tokens).isEqualTo(expectedTokens);
            assertThat(whole.get("finish_reason").asText()).isEqualTo("length");
            List<JsonNode> events = Sse.events(stream.body());
            assertThat(events.subList(0, 24)).extracting(event -> event.get("token").asInt()).isEqualTo(expectedTokens);
            assertThat(events.getLast().get("usage").get("completion_tokens").asInt()).isEqualTo(24);
        }
    }

    @Test
    void tokenizeShowsByteFallbackPiecesAsBytesAndDetokenizeJoinsThem() {
        try (TestClient http = new TestClient(server, KEY)) {
            JsonNode tokens = TestClient.json(http.post("/tokenize", "{\"content\":\"Once 你\",\"with_pieces\":true}"))
                    .get("tokens");
            List<Integer> ids = new ArrayList<>();
            tokens.forEach(token -> ids.add(token.get("id").asInt()));
            assertThat(ids).containsExactly(java.util.Arrays.stream(model.tokenize("Once 你", false)).boxed()
                    .toArray(Integer[]::new));
            // 你 is E4 BD A0, three byte-fallback tokens of this vocabulary: each piece is its byte
            int n = tokens.size();
            assertThat(tokens.get(n - 3).get("piece").toString()).isEqualTo("[228]");
            assertThat(tokens.get(n - 2).get("piece").toString()).isEqualTo("[189]");
            assertThat(tokens.get(n - 1).get("piece").toString()).isEqualTo("[160]");
            assertThat(tokens.get(0).get("piece").isTextual()).isTrue();

            String body = "{\"tokens\":" + ids + "}";
            assertThat(TestClient.json(http.post("/detokenize", body)).get("content").asText()).isEqualTo(" Once 你");
        }
    }

    @Test
    void chatLogprobsAreTheDirectPathsWholeAndStreamed() {
        String prompt = chatml("Tell me a story.");
        GenerationResult expected = direct.generate(GenerationRequest.of(prompt, SamplingParams.greedy(12)).withLogprobs(3));
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("stories260K")
                .addUserMessage("Tell me a story.").maxCompletionTokens(12).temperature(0).logprobs(true).topLogprobs(3)
                .build();

        ChatCompletion chat = client.chat().completions().create(params);
        List<ChatCompletionTokenLogprob> whole = chat.choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
        List<ChatCompletionTokenLogprob> streamed;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            streamed = stream.stream().flatMap(chunk -> chunk.choices().stream())
                    .flatMap(choice -> choice.logprobs().flatMap(l -> l.content()).orElse(List.of()).stream()).toList();
        }

        assertThat(whole).hasSize(12);
        assertThat(streamed).hasSize(12);
        for (int i = 0; i < 12; i++) {
            TokenLogprob reference = expected.logprobs().get(i);
            for (ChatCompletionTokenLogprob entry : List.of(whole.get(i), streamed.get(i))) {
                assertThat(entry.token()).isEqualTo(new String(model.tokenBytes(reference.token()), StandardCharsets.UTF_8));
                assertThat(entry.logprob()).isCloseTo(reference.logprob(), within(1e-5));
                assertThat(entry.bytes().orElseThrow()).containsExactlyElementsOf(bytes(model.tokenBytes(reference.token())));
                assertThat(entry.topLogprobs()).hasSize(3);
                // greedy: the chosen token is the most likely one
                assertThat(entry.topLogprobs().getFirst().token()).isEqualTo(entry.token());
                assertThat(entry.topLogprobs().getFirst().logprob()).isEqualTo(entry.logprob());
            }
        }
    }

    @Test
    void completionLogprobsHaveTheLegacyShape() {
        GenerationResult expected = direct.generate(GenerationRequest.of(STORY, SamplingParams.greedy(6)).withLogprobs(2));
        try (TestClient http = new TestClient(server, KEY)) {
            JsonNode choice = TestClient.json(http.post("/v1/completions",
                    "{\"prompt\":\"" + STORY + "\",\"max_tokens\":6,\"temperature\":0,\"logprobs\":2}"))
                    .at("/choices/0/logprobs");
            int offset = 0;
            for (int i = 0; i < 6; i++) {
                TokenLogprob reference = expected.logprobs().get(i);
                String text = new String(model.tokenBytes(reference.token()), StandardCharsets.UTF_8);
                assertThat(choice.at("/tokens/" + i).asText()).isEqualTo(text);
                assertThat(choice.at("/token_logprobs/" + i).asDouble()).isCloseTo(reference.logprob(), within(1e-5));
                assertThat(choice.at("/top_logprobs/" + i).size()).isEqualTo(2);
                assertThat(choice.at("/top_logprobs/" + i).get(text).asDouble()).isCloseTo(reference.logprob(), within(1e-5));
                assertThat(choice.at("/text_offset/" + i).asInt()).isEqualTo(offset);
                offset += text.length();
            }
            // asked for none: null, as OpenAI answers
            assertThat(TestClient.json(http.post("/v1/completions", "{\"prompt\":\"" + STORY + "\",\"max_tokens\":2}"))
                    .at("/choices/0/logprobs").isNull()).isTrue();
        }
    }

    @Test
    void logprobsOutsideTheirRangeAreRefusedAndTheServerGoesOn() {
        try (TestClient http = new TestClient(server, KEY)) {
            HttpResponse<String> tooMany = http.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"Hi\"}],\"logprobs\":true,\"top_logprobs\":21}");
            assertThat(tooMany.statusCode()).isEqualTo(400);
            assertThat(TestClient.json(tooMany).at("/error/message").asText())
                    .isEqualTo("'top_logprobs' must be in 0..20, got 21");
            HttpResponse<String> withoutLogprobs = http.post("/v1/chat/completions", "{\"messages\":[{\"role\":"
                    + "\"user\",\"content\":\"Hi\"}],\"top_logprobs\":2}");
            assertThat(withoutLogprobs.statusCode()).isEqualTo(400);
            assertThat(TestClient.json(withoutLogprobs).at("/error/param").asText()).isEqualTo("top_logprobs");
            assertThat(http.post("/v1/completions", "{\"prompt\":\"Hi\",\"logprobs\":-1}").statusCode()).isEqualTo(400);
            assertThat(http.post("/v1/completions", "{\"prompt\":\"Hi\",\"max_tokens\":2,\"logprobs\":1}").statusCode())
                    .isEqualTo(200);
        }
    }

    private static List<Long> bytes(byte[] bytes) {
        List<Long> list = new ArrayList<>();
        for (byte b : bytes) {
            list.add((long) (b & 0xff));
        }
        return list;
    }

    @Test
    void seededSamplingEqualsTheDirectPath() {
        SamplingParams sampling = SamplingParams.builder().maxTokens(30).temperature(0.9).topP(0.95).seed(7).build();
        GenerationResult expected = direct.generate(GenerationRequest.of(STORY, sampling));

        Completion completion = client.completions().create(CompletionCreateParams.builder().model("stories260K")
                .prompt(STORY).maxTokens(30).temperature(0.9).topP(0.95).seed(7).build());

        assertThat(completion.choices().getFirst().text()).isEqualTo(expected.text());
    }

    /**
     * {@code n: 4} with a seed: four choices, each drawing its own stream, the same four again for
     * the same seed; the prompt runs through the model once (the metrics count its tokens once)
     * and {@code usage} counts it once.
     */
    @Test
    void fourSeededChoicesShareOnePrefillAndRepeatForTheSameSeed() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("stories260K")
                .addUserMessage("Tell me a story.").maxCompletionTokens(24).temperature(1.0).seed(11).n(4).build();
        var before = scheduler.metrics();
        ChatCompletion first = client.chat().completions().create(params);
        var after = scheduler.metrics();
        ChatCompletion again = client.chat().completions().create(params);

        List<String> texts = first.choices().stream().map(c -> c.message().content().orElseThrow()).toList();
        assertThat(first.choices()).extracting(ChatCompletion.Choice::index).containsExactly(0L, 1L, 2L, 3L);
        assertThat(texts).hasSize(4).doesNotHaveDuplicates();
        assertThat(again.choices().stream().map(c -> c.message().content().orElseThrow()).toList()).isEqualTo(texts);
        String prompt = chatml("Tell me a story.");
        int promptLength = model.tokenize(prompt, true).length;
        var usage = first.usage().orElseThrow();
        // what a cached prefix held (earlier tests sent the same chat) was not computed again
        long cached = usage.promptTokensDetails().orElseThrow().cachedTokens().orElseThrow();
        assertThat(after.promptTokens() - before.promptTokens()).isEqualTo(promptLength - cached);
        assertThat(after.prefixCacheHitTokens() - before.prefixCacheHitTokens()).isEqualTo(cached);
        assertThat(again.usage().orElseThrow().promptTokensDetails().orElseThrow().cachedTokens())
                .hasValue(promptLength - 1L); // the whole prompt, but the last token, whose logits are needed
        assertThat(after.requestsFinished() - before.requestsFinished()).isEqualTo(4);
        assertThat(usage.promptTokens()).isEqualTo(promptLength);
        assertThat(usage.completionTokens()).isEqualTo(after.generatedTokens() - before.generatedTokens());
        assertThat(usage.totalTokens()).isEqualTo(promptLength + usage.completionTokens());
    }

    /** Greedy choices are all the direct path's text, whole and streamed; each chunk names its choice. */
    @Test
    void greedyChoicesAreEachTheDirectPathWholeAndStreamed() {
        GenerationResult expected = direct.generate(GenerationRequest.of(STORY, SamplingParams.greedy(20)));
        CompletionCreateParams params = CompletionCreateParams.builder().model("stories260K").prompt(STORY)
                .maxTokens(20).temperature(0).n(3).build();

        Completion completion = client.completions().create(params);
        assertThat(completion.choices()).extracting(CompletionChoice::text).containsExactly(expected.text(),
                expected.text(), expected.text());
        assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(expected.promptTokens());
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(3L * expected.completionTokens());

        StringBuilder[] streamed = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
        List<Long> finishedChoices = new ArrayList<>();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
            stream.stream().flatMap(chunk -> chunk.choices().stream()).forEach(choice -> {
                streamed[(int) choice.index()].append(choice.text());
                if (choice._finishReason().isMissing() || choice._finishReason().isNull()) {
                    return;
                }
                finishedChoices.add(choice.index());
            });
        }
        assertThat(finishedChoices).containsExactlyInAnyOrder(0L, 1L, 2L);
        for (StringBuilder text : streamed) {
            assertThat(text.toString()).isEqualTo(expected.text());
        }
    }

    @Test
    void concurrentClientsEachGetTheirDirectPathText() throws Exception {
        List<String> prompts = List.of("Once upon a time", "The cat", "Tom and Sue went", "One day, a little bird",
                "Lily had a red ball", "The sun was");
        List<String> expected = prompts.stream()
                .map(prompt -> direct.generate(GenerationRequest.of(prompt, SamplingParams.greedy(32))).text()).toList();

        List<Future<String>> answers = new ArrayList<>();
        try (ExecutorService clients = Executors.newFixedThreadPool(prompts.size())) {
            for (String prompt : prompts) {
                answers.add(clients.submit(() -> client.completions().create(CompletionCreateParams.builder()
                        .model("stories260K").prompt(prompt).maxTokens(32).temperature(0).build())
                        .choices().getFirst().text()));
            }
            List<String> texts = new ArrayList<>();
            for (Future<String> answer : answers) {
                texts.add(answer.get());
            }
            assertThat(texts).isEqualTo(expected);
        }
    }

    /** The ChatML prompt of one user message, as the server's built-in chatml template renders it. */
    private static String chatml(String user) {
        return "<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n";
    }
}
