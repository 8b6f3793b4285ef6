package dev.jvmllm.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.jvmllm.api.Backends;
import dev.jvmllm.api.EmbeddingModel;
import dev.jvmllm.api.EmbeddingScheduler;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.scheduler.EmbeddingBatcher;
import dev.jvmllm.testing.TestAssets;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.store.embedding.CosineSimilarity;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /v1/embeddings} on all-MiniLM-L6-v2, served beside stories260K, through the OpenAI Java
 * SDK, LangChain4j and raw JSON; the vectors must be the model's own (as {@link EmbeddingModel#embed}
 * gives them one at a time).
 */
class EmbeddingsEndpointTest {
    private static final String KEY = "sk-embed";
    private static final String NAME = "all-MiniLM-L6-v2";
    private static final String FOOD = "A man is eating food.";
    private static final String BREAD = "A man is eating a piece of bread.";
    private static final String STOCKS = "The stock market crashed today.";

    private static Model generationModel;
    private static Scheduler scheduler;
    private static EmbeddingModel embeddingModel;
    private static EmbeddingScheduler embeddings;
    private static LlmServer server;
    private static TestClient http;

    @BeforeAll
    static void start() {
        embeddingModel = Backends.openEmbeddingModel(TestAssets.miniLm());
        embeddings = EmbeddingBatcher.start(embeddingModel);
        generationModel = Backends.open(TestAssets.stories());
        scheduler = Schedulers.create(generationModel, SchedulerOptions.defaults().withMaxSequences(2).withContextSize(256));
        server = LlmServer.builder(scheduler).embeddings(embeddings).port(0).apiKey(KEY).build().start();
        http = new TestClient(server, KEY);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (embeddings != null) {
            embeddings.close();
        }
        if (scheduler != null) {
            scheduler.close();
        }
        if (embeddingModel != null) {
            embeddingModel.close();
        }
        if (generationModel != null) {
            generationModel.close();
        }
    }

    @Test
    void theOpenAiSdkGetsTheModelsVectors() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(server.uri() + "/v1").apiKey(KEY)
                .maxRetries(0).build();
        try {
            CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
                    .model(NAME).inputOfArrayOfStrings(List.of(FOOD, BREAD, STOCKS)).build());

            assertThat(response.model()).isEqualTo(NAME);
            assertThat(response.data()).extracting(e -> e.index()).containsExactly(0L, 1L, 2L);
            List<float[]> vectors = response.data().stream().map(e -> floats(e.embedding())).toList();
            for (int i = 0; i < 3; i++) {
                assertThat(vectors.get(i)).containsExactly(alone(List.of(FOOD, BREAD, STOCKS).get(i)));
            }
            assertThat(cosine(vectors.get(0), vectors.get(1))).isGreaterThan(0.7);
            assertThat(cosine(vectors.get(0), vectors.get(2))).isLessThan(0.2);
            long tokens = embeddingModel.tokenize(FOOD).length + embeddingModel.tokenize(BREAD).length
                    + embeddingModel.tokenize(STOCKS).length;
            assertThat(response.usage().promptTokens()).isEqualTo(tokens);
            assertThat(response.usage().totalTokens()).isEqualTo(tokens);

            CreateEmbeddingResponse base64 = client.embeddings().create(EmbeddingCreateParams.builder()
                    .model(NAME).input(FOOD).encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64).build());
            assertThat(floats(base64.data().getFirst().embedding())).containsExactly(vectors.getFirst());
        } finally {
            client.close();
        }
    }

    @Test
    void langChain4jEmbedsSegments() {
        OpenAiEmbeddingModel client = OpenAiEmbeddingModel.builder().baseUrl(server.uri() + "/v1").apiKey(KEY)
                .modelName(NAME).maxRetries(0).build();

        Response<List<Embedding>> response = client.embedAll(List.of(TextSegment.from(FOOD), TextSegment.from(BREAD),
                TextSegment.from(STOCKS)));

        assertThat(response.content()).hasSize(3);
        assertThat(response.content().get(0).vector()).containsExactly(alone(FOOD));
        assertThat(response.content().get(2).vector()).containsExactly(alone(STOCKS));
        assertThat(CosineSimilarity.between(response.content().get(0), response.content().get(1))).isGreaterThan(0.7);
        assertThat(CosineSimilarity.between(response.content().get(0), response.content().get(2))).isLessThan(0.2);
        assertThat(response.tokenUsage().inputTokenCount())
                .isEqualTo(IntStream.of(embeddingModel.tokenize(FOOD).length, embeddingModel.tokenize(BREAD).length,
                        embeddingModel.tokenize(STOCKS).length).sum());
        assertThat(client.dimension()).isEqualTo(384);
    }

    @Test
    void tokenIdsAndNestedTokenArraysAreInputsToo() {
        int[] food = embeddingModel.tokenize(FOOD);
        int[] bread = embeddingModel.tokenize(BREAD);
        JsonNode single = ok("{\"input\": " + ids(food) + "}");
        assertThat(vector(single, 0)).containsExactly(alone(FOOD));
        assertThat(single.at("/usage/prompt_tokens").intValue()).isEqualTo(food.length);

        JsonNode nested = ok("{\"model\": \"" + NAME + "\", \"input\": [" + ids(food) + ", " + ids(bread)
                + "], \"dimensions\": 384, \"user\": \"u-1\"}");
        assertThat(nested.get("data")).hasSize(2);
        assertThat(vector(nested, 1)).containsExactly(alone(BREAD));
        assertThat(nested.at("/usage/prompt_tokens").intValue()).isEqualTo(food.length + bread.length);
    }

    @Test
    void concurrentRequestsGetTheirOwnVectors() throws Exception {
        List<String> sentences = IntStream.range(0, 24)
                .mapToObj(i -> "Sentence number " + i + " is" + " rather".repeat(i % 7) + " long.").toList();
        List<Callable<float[]>> calls = new ArrayList<>();
        for (String sentence : sentences) {
            calls.add(() -> vector(ok("{\"input\": \"" + sentence + "\"}"), 0));
        }
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Future<float[]>> results = pool.invokeAll(calls);
            for (int i = 0; i < sentences.size(); i++) {
                float[] expected = alone(sentences.get(i));
                float[] actual = results.get(i).get();
                double worst = 0;
                for (int d = 0; d < expected.length; d++) {
                    worst = Math.max(worst, Math.abs(expected[d] - actual[d]));
                }
                assertThat(worst).as(sentences.get(i)).isLessThan(1e-5);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void badInputsAre400sAndTheServerKeepsServing() {
        String longText = "word ".repeat(200);
        String manyInputs = IntStream.range(0, 2049).mapToObj(i -> "\"x\"").collect(Collectors.joining(",", "[", "]"));
        List<String[]> cases = List.of(
                new String[] {"{}", "'input' is required"},
                new String[] {"{\"input\": \"\"}", "'input' is an empty string: there is nothing to embed"},
                new String[] {"{\"input\": []}", "'input' is an empty array: there is nothing to embed"},
                new String[] {"{\"input\": [\"a\", \"\"]}", "'input[1]' is an empty string: there is nothing to embed"},
                new String[] {"{\"input\": [[101, 102], []]}", "'input[1]' is an empty array: there is nothing to embed"},
                new String[] {"{\"input\": [101, 30522, 102]}", "input[0][1] = 30522 is outside the vocabulary (0..30521)"},
                new String[] {"{\"input\": [[101], [102, -1]]}", "input[1][1] = -1 is outside the vocabulary (0..30521)"},
                new String[] {"{\"input\": " + manyInputs + "}", "'input' has 2049 inputs; a request has at most 2048"},
                new String[] {"{\"input\": [\"a\", [101]]}", "'input[1]' must be a string, as input[0] is"},
                new String[] {"{\"input\": [[101], \"a\"]}", "'input[1]' must be an array of token ids, as input[0] is"},
                new String[] {"{\"input\": [101, \"a\"]}", "'input[1]' must be a token id, as input[0] is"},
                new String[] {"{\"input\": [[101, 1.5]]}", "'input[0][1]' must be a token id, as input[0][0] is"},
                new String[] {"{\"input\": {\"text\": \"a\"}}", "'input' must be a string, an array of strings, an array"
                        + " of token ids or an array of arrays of token ids"},
                new String[] {"{\"input\": [\"short\", \"" + longText + "\"]}", "input[1] has 202 tokens; this model"
                        + " embeds at most 128"},
                new String[] {"{\"input\": \"a\", \"dimensions\": 128}", "'dimensions' must be 384 for " + NAME
                        + ": its embeddings cannot be shortened, got 128"},
                new String[] {"{\"input\": \"a\", \"encoding_format\": \"hex\"}", "'encoding_format' must be \"float\" or"
                        + " \"base64\", got \"hex\""},
                new String[] {"{\"input\": \"a\", \"truncate\": true}", "'truncate' is not a field of an embeddings request"
                        + " (they are dimensions, encoding_format, input, model, user)"});
        for (String[] bad : cases) {
            HttpResponse<String> response = http.post("/v1/embeddings", bad[0]);
            assertThat(response.statusCode()).as(bad[0]).isEqualTo(400);
            assertThat(TestClient.json(response).at("/error/message").asText()).as(bad[0]).isEqualTo(bad[1]);
            assertThat(vector(ok("{\"input\": \"" + FOOD + "\"}"), 0)).containsExactly(alone(FOOD));
        }
        HttpResponse<String> wrongModel = http.post("/v1/embeddings", "{\"model\": \"stories260K\", \"input\": \"a\"}");
        assertThat(wrongModel.statusCode()).isEqualTo(404);
        assertThat(TestClient.json(wrongModel).at("/error/message").asText())
                .isEqualTo("the model 'stories260K' does not exist; this server serves '" + NAME + "'");
    }

    @Test
    void bothModelsAreListedAndMeasured() {
        JsonNode models = TestClient.json(http.get("/v1/models"));
        assertThat(models.get("data")).extracting(m -> m.get("id").asText()).containsExactly("stories260K", NAME);
        JsonNode embedding = models.get("data").get(1);
        assertThat(embedding.get("context_length").intValue()).isEqualTo(128);
        assertThat(embedding.at("/meta/kind").asText()).isEqualTo("embedding");
        assertThat(embedding.at("/meta/n_embd").intValue()).isEqualTo(384);
        assertThat(embedding.at("/meta/pooling").asText()).isEqualTo("mean");
        assertThat(models.get("data").get(0).at("/meta/kind").asText()).isEqualTo("generation");
        assertThat(TestClient.json(http.get("/v1/models/" + NAME)).get("id").asText()).isEqualTo(NAME);

        ok("{\"input\": [\"one\", \"two\"]}");
        String metrics = http.get("/metrics").body();
        assertThat(metrics).containsPattern("jvmllm_embedding_inputs_total\\{model=\"" + NAME + "\"} [1-9][0-9]*\\.0\n")
                .contains("jvmllm_prompt_tokens_total{model=\"stories260K\"}");
        // generation still answers beside embeddings
        HttpResponse<String> completion = http.post("/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 2}");
        assertThat(completion.statusCode()).isEqualTo(200);
    }

    @Test
    void aServerOfOnlyAnEmbeddingModel() {
        try (LlmServer only = LlmServer.builder(embeddings).port(0).build().start()) {
            TestClient client = new TestClient(only, null);
            assertThat(only.modelName()).isEqualTo(NAME);
            assertThat(TestClient.json(client.get("/v1/models")).get("data")).extracting(m -> m.get("id").asText())
                    .containsExactly(NAME);
            HttpResponse<String> chat = client.post("/v1/chat/completions", "{\"messages\": []}");
            assertThat(chat.statusCode()).isEqualTo(501);
            assertThat(TestClient.json(chat).at("/error/message").asText()).isEqualTo("this server serves only the"
                    + " embedding model '" + NAME + "', which generates no text; /v1/chat/completions needs a generation"
                    + " model (./llm serve --model PATH)");
            assertThat(client.get("/health").statusCode()).isEqualTo(200);
            assertThat(client.post("/v1/embeddings", "{\"input\": \"a\"}").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aServerWithoutAnEmbeddingModelSaysSo() {
        try (FakeServer fake = new FakeServer(builder -> builder)) {
            HttpResponse<String> response = new TestClient(fake.server, null).post("/v1/embeddings", "{\"input\": \"a\"}");
            assertThat(response.statusCode()).isEqualTo(501);
            assertThat(TestClient.json(response).at("/error/message").asText()).isEqualTo("this server serves no embedding"
                    + " model, only 'fake-model', which generates text; start it with --embedding-model PATH to serve"
                    + " embeddings too");
        }
    }

    private static JsonNode ok(String body) {
        HttpResponse<String> response = http.post("/v1/embeddings", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return TestClient.json(response);
    }

    private static float[] alone(String text) {
        return embeddingModel.embed(List.of(embeddingModel.tokenize(text))).getFirst();
    }

    private static float[] vector(JsonNode response, int index) {
        JsonNode embedding = response.get("data").get(index).get("embedding");
        if (embedding.isTextual()) {
            ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(embedding.asText())).order(ByteOrder.LITTLE_ENDIAN);
            float[] vector = new float[bytes.remaining() / Float.BYTES];
            bytes.asFloatBuffer().get(vector);
            return vector;
        }
        float[] vector = new float[embedding.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = embedding.get(i).floatValue();
        }
        return vector;
    }

    private static String ids(int[] tokens) {
        return IntStream.of(tokens).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
    }

    private static float[] floats(List<Float> values) {
        float[] vector = new float[values.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = values.get(i);
        }
        return vector;
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
