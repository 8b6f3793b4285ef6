package dev.jvmllm.onnx;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.jvmllm.api.EmbeddingModel;
import dev.jvmllm.api.EmbeddingOptions;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.ModelLoadException;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.api.Pooling;
import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * all-MiniLM-L6-v2 through the backend, against a reference computed here with ONNX Runtime and
 * DJL's tokenizer directly, as sentence-transformers computes it: the file's own padding to 128
 * tokens, mean pooling over the attention mask, L2 normalisation.
 */
class EmbeddingsTest {
    private static final String FOOD = "A man is eating food.";
    private static final String BREAD = "A man is eating a piece of bread.";
    private static final String STOCKS = "The stock market crashed today.";

    private static Path directory;
    private static EmbeddingModel model;

    @BeforeAll
    static void open() {
        directory = TestAssets.miniLm();
        model = new OnnxBackend().openEmbeddingModel(directory, ModelOptions.defaults(), EmbeddingOptions.defaults());
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void describesItself() {
        assertThat(model.dimensions()).isEqualTo(384);
        assertThat(model.maxInputTokens()).isEqualTo(128); // tokenizer.json's truncation length
        assertThat(model.vocabularySize()).isEqualTo(30522);
        assertThat(model.pooling()).isEqualTo(Pooling.MEAN);
        assertThat(model.normalized()).isTrue();
        assertThat(model.info().backend()).isEqualTo("onnx");
        assertThat(new OnnxBackend().isEmbeddingModel(directory)).isTrue();
    }

    @Test
    void tokenizesWithoutTheFilesPadding() {
        // [CLS] a man is eating food . [SEP], not padded to the file's 128
        assertThat(model.tokenize(FOOD)).containsExactly(101, 1037, 2158, 2003, 5983, 2833, 1012, 102);
    }

    @Test
    void matchesOnnxRuntimeRunDirectlyAndRanksMeaning() throws Exception {
        float[][] reference = reference(List.of(FOOD, BREAD, STOCKS));
        List<float[]> ours = model.embed(List.of(model.tokenize(FOOD), model.tokenize(BREAD), model.tokenize(STOCKS)));
        for (int i = 0; i < 3; i++) {
            assertThat(maxAbsDifference(ours.get(i), reference[i])).isLessThan(1e-5);
            assertThat(norm(ours.get(i))).isCloseTo(1.0, within(1e-5));
        }
        double related = cosine(ours.get(0), ours.get(1));
        double unrelated = cosine(ours.get(0), ours.get(2));
        assertThat(related).isGreaterThan(0.7).isCloseTo(cosine(reference[0], reference[1]), within(1e-5));
        assertThat(unrelated).isLessThan(0.2).isCloseTo(cosine(reference[0], reference[2]), within(1e-5));
    }

    @Test
    void batchedEqualsOneAtATime() {
        // more inputs than one pass takes, of many lengths, so passes are cut and padded
        List<int[]> inputs = new ArrayList<>();
        for (int i = 0; i < 45; i++) {
            inputs.add(model.tokenize("sentence " + i + " " + "of growing length ".repeat(i % 9)));
        }
        assertThat(inputs.size()).isGreaterThan(model.maxBatchInputs());
        List<float[]> batched = model.embed(inputs);
        double worst = 0;
        for (int i = 0; i < inputs.size(); i++) {
            float[] alone = model.embed(List.of(inputs.get(i))).getFirst();
            worst = Math.max(worst, maxAbsDifference(batched.get(i), alone));
        }
        assertThat(worst).isLessThan(1e-5);
    }

    @Test
    void poolingsReadTheRowsTheyName() throws Exception {
        int[] tokens = model.tokenize(FOOD);
        float[][] hidden = referenceHiddenState(tokens);
        try (EmbeddingModel cls = open(Pooling.CLS); EmbeddingModel last = open(Pooling.LAST)) {
            assertThat(maxAbsDifference(cls.embed(List.of(tokens)).getFirst(), hidden[0])).isLessThan(1e-5);
            assertThat(maxAbsDifference(last.embed(List.of(tokens)).getFirst(), hidden[tokens.length - 1]))
                    .isLessThan(1e-5);
        }
    }

    @Test
    void badInputsAreRefusedAndTheModelKeepsWorking() {
        int[] good = model.tokenize(FOOD);
        assertThatThrownBy(() -> model.embed(List.of()))
                .isInstanceOf(InvalidRequestException.class).hasMessage("there is no input to embed");
        assertThatThrownBy(() -> model.embed(List.of(good, new int[0])))
                .isInstanceOf(InvalidRequestException.class).hasMessage("input[1] is empty: there is nothing to embed");
        assertThatThrownBy(() -> model.embed(List.of(new int[] {101, 30522, 102})))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("input[0][1] = 30522 is outside the vocabulary (0..30521)");
        assertThatThrownBy(() -> model.embed(List.of(good, good, IntStream.range(0, 129).map(i -> 1037).toArray())))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("input[2] has 129 tokens; this model embeds at most 128");
        assertThat(model.embed(List.of(good))).hasSize(1);
    }

    @Test
    void unnormalisedVectorsKeepTheirLength() throws Exception {
        try (EmbeddingModel raw = new OnnxBackend().openEmbeddingModel(directory, ModelOptions.defaults(),
                EmbeddingOptions.defaults().withNormalize(false))) {
            float[] vector = raw.embed(List.of(raw.tokenize(FOOD))).getFirst();
            float[] normalised = model.embed(List.of(model.tokenize(FOOD))).getFirst();
            double length = norm(vector);
            assertThat(length).isGreaterThan(1.5); // MiniLM's mean-pooled vectors are longer than 1
            for (int d = 0; d < vector.length; d++) {
                assertThat(vector[d] / length).isCloseTo(normalised[d], within(1e-5));
            }
        }
    }

    @Test
    void aDecoderIsNotAnEncoder(@TempDir Path dir) {
        Path decoder = TestModels.convertedRandom(dir);
        assertThat(new OnnxBackend().isEmbeddingModel(decoder)).isFalse();
        assertThatThrownBy(() -> new OnnxBackend().openEmbeddingModel(decoder, ModelOptions.defaults(),
                EmbeddingOptions.defaults()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("has inputs an encoder does not take")
                .hasMessageContaining("this is a decoder: open it as a generation model");
    }

    @Test
    void closedModelsRefuseWork() {
        EmbeddingModel closing = open(Pooling.MEAN);
        int[] tokens = closing.tokenize(FOOD);
        closing.close();
        closing.close();
        assertThatThrownBy(() -> closing.embed(List.of(tokens)))
                .isInstanceOf(IllegalStateException.class).hasMessage("the model is closed");
    }

    private static EmbeddingModel open(Pooling pooling) {
        return new OnnxBackend().openEmbeddingModel(directory, ModelOptions.defaults(),
                EmbeddingOptions.defaults().withPooling(pooling).withNormalize(false));
    }

    /** Sentence-transformers' embeddings of the texts: padded to 128 as the file says, mean over the mask, L2. */
    private static float[][] reference(List<String> texts) throws Exception {
        // DJL drops the file's padding unless told: pad every text to 128 as tokenizer.json does
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(directory.resolve("tokenizer.json"),
                Map.of("padding", "max_length", "maxLength", "128"))) {
            float[][] embeddings = new float[texts.size()][];
            for (int t = 0; t < texts.size(); t++) {
                Encoding encoding = tokenizer.encode(texts.get(t));
                long[] mask = encoding.getAttentionMask();
                assertThat(mask).hasSize(128); // the file pads; the mask says which tokens are real
                float[][] hidden = hiddenState(encoding.getIds(), mask);
                float[] mean = new float[hidden[0].length];
                long real = Arrays.stream(mask).sum();
                for (int j = 0; j < hidden.length; j++) {
                    for (int d = 0; d < mean.length; d++) {
                        mean[d] += (float) (hidden[j][d] * mask[j] / (double) real);
                    }
                }
                double length = norm(mean);
                for (int d = 0; d < mean.length; d++) {
                    mean[d] /= (float) length;
                }
                embeddings[t] = mean;
            }
            return embeddings;
        }
    }

    private static float[][] referenceHiddenState(int[] tokens) throws Exception {
        long[] ids = Arrays.stream(tokens).asLongStream().toArray();
        long[] mask = new long[ids.length];
        Arrays.fill(mask, 1);
        return hiddenState(ids, mask);
    }

    private static float[][] hiddenState(long[] ids, long[] mask) throws Exception {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        long[] shape = {1, ids.length};
        try (OrtSession session = environment.createSession(directory.resolve("model.onnx").toString());
             OnnxTensor inputIds = OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape);
             OnnxTensor attention = OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape);
             OnnxTensor types = OnnxTensor.createTensor(environment, LongBuffer.wrap(new long[ids.length]), shape);
             OrtSession.Result result = session.run(Map.of("input_ids", inputIds, "attention_mask", attention,
                     "token_type_ids", types))) {
            OnnxTensor output = (OnnxTensor) result.get("last_hidden_state").orElseThrow();
            FloatBuffer values = output.getFloatBuffer();
            float[][] hidden = new float[ids.length][(int) output.getInfo().getShape()[2]];
            for (float[] row : hidden) {
                values.get(row);
            }
            return hidden;
        }
    }

    private static double maxAbsDifference(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
        }
        return dot / (norm(a) * norm(b));
    }
}
