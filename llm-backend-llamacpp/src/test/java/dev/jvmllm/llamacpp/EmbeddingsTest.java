package dev.jvmllm.llamacpp;

import dev.jvmllm.api.EmbeddingModel;
import dev.jvmllm.api.EmbeddingOptions;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.ModelLoadException;
import dev.jvmllm.api.Pooling;
import dev.jvmllm.gguf.GgufFile;
import dev.jvmllm.gguf.GgufWriter;
import dev.jvmllm.llamacpp.internal.NativeLog;
import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.event.Level;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Embeddings on both libraries, on the generative models there are (no embedding GGUF can be
 * fetched here): their hidden states pooled by llama.cpp (mean on b4916: pooled here from the
 * token vectors, see {@code LlamaLibrary.canMeanPool}). What is checked is what holds for any
 * model: the sizes, unit length, an input's vector independent of the others in its pass, and
 * poolings that can be told apart by what a causal model's token vectors are.
 */
class EmbeddingsTest {
    /**
     * The most one component may differ between an input embedded with others and alone
     * (normalised), where the library's attention adds up a sequence's cells in the same order in
     * any pass. Measured: exactly 0 on b4916 (its flash attention goes cell by cell), at most
     * 6.0e-8 for stories260K on the current library (whose 8-wide heads never take its tiled kernel).
     */
    private static final double BATCHED_VS_ALONE = 1e-5;
    /**
     * The same for SmolLM2 on the current library, whose flash attention takes a pass of 64 tokens
     * or more in tiles of 64 cells, in another order than a smaller pass (see
     * {@code CurrentLibrary.embeddingContextParams}). Measured on these texts in a pass of 240
     * tokens: up to 0.0090 (LAST) and 0.0083 (MEAN) for a 4-token input (cosine 0.99954 and
     * 0.99969 to it alone), 0.0009 to 0.0042 for the 192-token input that takes the tiled kernel
     * alone too.
     */
    private static final double BATCHED_VS_ALONE_TILED = 0.02;
    /**
     * The most a component of one pooling may differ from the same vector made another way (raw,
     * relative to the vector's largest component), as llama.cpp adds up in float.
     */
    private static final double SAME_VECTOR = 1e-5;
    /** Two poolings of an input of several tokens differ by at least this (relative, as above). */
    private static final double DIFFERENT = 1e-2;
    private static final List<String> TEXTS = List.of("Once upon a time", "Hi",
            "The cat sat on the mat and looked at the dog for a long while, then it fell asleep in the sun.",
            "A little girl named Lily loved to play outside in the park with her friends every single day.");

    @TempDir
    Path dir;

    static Stream<Arguments> modelsOnBothLibraries() {
        return Stream.of(Libraries.BUNDLED, Libraries.CURRENT)
                .flatMap(library -> Stream.of("stories260K", "SmolLM2").map(model -> Arguments.of(library, model)));
    }

    private static double batchedVsAlone(String library, String model) {
        return library.equals(Libraries.CURRENT) && model.equals("SmolLM2") ? BATCHED_VS_ALONE_TILED : BATCHED_VS_ALONE;
    }

    private static Path model(String name) {
        return switch (name) {
            case "stories260K" -> TestModels.stories();
            case "SmolLM2" -> TestAssets.smolLm2();
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static EmbeddingModel open(Path model, String library, EmbeddingOptions options) {
        return new LlamaCppBackend().openEmbeddingModel(model, Libraries.options(library), options);
    }

    private static EmbeddingModel open(Path model, String library, Pooling pooling) {
        return open(model, library, new EmbeddingOptions(pooling, false));
    }

    private static List<int[]> tokenize(EmbeddingModel model, List<String> texts) {
        return texts.stream().map(model::tokenize).toList();
    }

    private static double maxAbsDifference(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    /** The largest difference, relative to the largest component of {@code b}. */
    private static double relativeDifference(float[] a, float[] b) {
        double scale = 0;
        for (float v : b) {
            scale = Math.max(scale, Math.abs(v));
        }
        return maxAbsDifference(a, b) / scale;
    }

    private static double norm(float[] vector) {
        double sum = 0;
        for (float v : vector) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum);
    }

    private static float[] embedOne(EmbeddingModel model, int... tokens) {
        return model.embed(List.<int[]>of(tokens)).getFirst();
    }

    @ParameterizedTest
    @MethodSource("modelsOnBothLibraries")
    void theDefaultIsTheMeanScaledToUnitLengthInTheModelsWidth(String library, String name) {
        Path file = model(name);
        GgufFile header = GgufFile.open(file);
        String architecture = header.architecture().orElseThrow();
        List<String> warnings = new CopyOnWriteArrayList<>();
        Runnable remove = NativeLog.addListener((level, line) -> {
            if (level == Level.WARN || level == Level.ERROR) {
                warnings.add(line);
            }
        });
        try (EmbeddingModel model = open(file, library, EmbeddingOptions.defaults())) {
            assertThat(model.dimensions()).isEqualTo(header.getInt(architecture + ".embedding_length").orElseThrow());
            assertThat(model.maxInputTokens()).isEqualTo(Math.min(2048,
                    header.getInt(architecture + ".context_length").orElseThrow()));
            // generative models declare no pooling
            assertThat(header.keyValue(architecture + ".pooling_type")).isEmpty();
            assertThat(model.pooling()).isEqualTo(Pooling.MEAN);
            assertThat(model.normalized()).isTrue();
            assertThat(model.maxBatchInputs()).isEqualTo(16);
            // the current llama.cpp aborts on a mean-pooled context whose n_ubatch is no multiple of n_seq_max
            assertThat(LlamaCppEmbeddingModel.PASS_TOKENS % model.maxBatchInputs()).isZero();
            assertThat(model.info().backend()).isEqualTo(LlamaCppBackend.NAME);
            assertThat(model.vocabularySize()).isEqualTo(header.getStringArray("tokenizer.ggml.tokens").orElseThrow().size());

            List<float[]> vectors = model.embed(tokenize(model, TEXTS));
            assertThat(vectors).hasSize(TEXTS.size());
            for (float[] vector : vectors) {
                assertThat(vector).hasSize(model.dimensions());
                assertThat(norm(vector)).isCloseTo(1.0, within(1e-5));
            }
        } finally {
            remove.run();
        }
        assertThat(warnings).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("modelsOnBothLibraries")
    void anInputComesOutOfAPassWithOthersAsItDoesAlone(String library, String name) {
        for (Pooling pooling : List.of(Pooling.MEAN, Pooling.LAST)) {
            try (EmbeddingModel model = open(model(name), library, new EmbeddingOptions(pooling, true))) {
                List<int[]> inputs = new ArrayList<>(tokenize(model, TEXTS));
                inputs.add(model.tokenize(String.join(" ", TEXTS).repeat(4)));
                List<float[]> together = model.embed(inputs);
                double max = 0;
                for (int i = 0; i < inputs.size(); i++) {
                    max = Math.max(max, maxAbsDifference(together.get(i), embedOne(model, inputs.get(i))));
                }
                assertThat(max).as("%s pooling", pooling).isLessThanOrEqualTo(batchedVsAlone(library, name));
            }
        }
    }

    /**
     * More inputs than a pass holds, and more tokens than a pass holds, are split into passes;
     * each comes out as it does alone.
     */
    @ParameterizedTest
    @ValueSource(strings = {Libraries.BUNDLED, Libraries.CURRENT})
    void manyInputsAreSplitIntoPassesAndComeOutAsAlone(String library) {
        try (EmbeddingModel model = open(TestModels.stories(), library, EmbeddingOptions.defaults())) {
            Random random = new Random(7);
            List<int[]> many = new ArrayList<>();
            for (int i = 0; i < 2 * model.maxBatchInputs() + 5; i++) {
                many.add(random.ints(1 + random.nextInt(40), 0, model.vocabularySize()).toArray());
            }
            // five inputs of 600 tokens: at most three fit a pass's 2048
            List<int[]> long5 = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                long5.add(random.ints(600, 0, model.vocabularySize()).toArray());
            }
            for (List<int[]> inputs : List.of(many, long5)) {
                List<float[]> together = model.embed(inputs);
                assertThat(together).hasSize(inputs.size());
                for (int i = 0; i < inputs.size(); i++) {
                    assertThat(maxAbsDifference(together.get(i), embedOne(model, inputs.get(i))))
                            .as("input %d of %d", i, inputs.size()).isLessThanOrEqualTo(BATCHED_VS_ALONE);
                }
            }
        }
    }

    /**
     * In a causal model token {@code i}'s vector has seen tokens {@code 0..i} only, so it is the
     * LAST pooling of that prefix: the CLS (first-token) pooling ignores what follows the first
     * token, the LAST pooling changes with the last one, and the MEAN of an input is the mean of
     * the LAST poolings of its prefixes. Raw vectors; every pass has fewer than 64 tokens, so that
     * all take the same attention kernel (see {@link #BATCHED_VS_ALONE_TILED}).
     */
    @ParameterizedTest
    @MethodSource("modelsOnBothLibraries")
    void thePoolingsAreTheFirstTheLastAndTheMeanOfTheTokenVectors(String library, String name) {
        Path file = model(name);
        try (EmbeddingModel mean = open(file, library, Pooling.MEAN);
             EmbeddingModel cls = open(file, library, Pooling.CLS);
             EmbeddingModel last = open(file, library, Pooling.LAST)) {
            assertThat(List.of(mean.pooling(), cls.pooling(), last.pooling()))
                    .containsExactly(Pooling.MEAN, Pooling.CLS, Pooling.LAST);
            int[] tokens = mean.tokenize("The cat sat on the mat and looked at the dog");
            assertThat(tokens.length).isBetween(5, 31);
            float[] meanVector = embedOne(mean, tokens);
            float[] clsVector = embedOne(cls, tokens);
            float[] lastVector = embedOne(last, tokens);
            assertThat(relativeDifference(meanVector, lastVector)).isGreaterThan(DIFFERENT);
            assertThat(relativeDifference(meanVector, clsVector)).isGreaterThan(DIFFERENT);
            assertThat(relativeDifference(clsVector, lastVector)).isGreaterThan(DIFFERENT);

            // the LAST pooling of each prefix is the vector of its last token
            List<float[]> tokenVectors = new ArrayList<>();
            for (int n = 1; n <= tokens.length; n++) {
                tokenVectors.add(embedOne(last, Arrays.copyOf(tokens, n)));
            }
            float[] averaged = new float[mean.dimensions()];
            for (float[] vector : tokenVectors) {
                for (int i = 0; i < averaged.length; i++) {
                    averaged[i] += vector[i] / tokens.length;
                }
            }
            assertThat(relativeDifference(meanVector, averaged)).isLessThanOrEqualTo(SAME_VECTOR);
            assertThat(relativeDifference(clsVector, tokenVectors.getFirst())).isLessThanOrEqualTo(SAME_VECTOR);
            // one token: all three poolings are its vector
            assertThat(relativeDifference(embedOne(mean, tokens[0]), tokenVectors.getFirst())).isLessThanOrEqualTo(SAME_VECTOR);

            int[] changedLast = tokens.clone();
            changedLast[tokens.length - 1] = (tokens[tokens.length - 1] + 1) % mean.vocabularySize();
            int[] changedSecond = tokens.clone();
            changedSecond[1] = (tokens[1] + 1) % mean.vocabularySize();
            List<float[]> clsOfChanged = cls.embed(List.of(changedLast, changedSecond));
            assertThat(relativeDifference(clsOfChanged.get(0), clsVector)).isLessThanOrEqualTo(SAME_VECTOR);
            assertThat(relativeDifference(clsOfChanged.get(1), clsVector)).isLessThanOrEqualTo(SAME_VECTOR);
            assertThat(relativeDifference(embedOne(last, changedLast), lastVector)).isGreaterThan(DIFFERENT);
        }
    }

    /** Each bad input is refused naming it, before llama.cpp sees any; the model carries on. */
    @ParameterizedTest
    @ValueSource(strings = {Libraries.BUNDLED, Libraries.CURRENT})
    void badInputsAreRefusedByIndexAndTheModelCarriesOn(String library) {
        try (EmbeddingModel model = open(TestModels.stories(), library, EmbeddingOptions.defaults())) {
            int[] good = model.tokenize("Once upon a time");
            float[] expected = embedOne(model, good);
            int vocabulary = model.vocabularySize();
            int[] tooLong = new int[model.maxInputTokens() + 1];
            record Bad(List<int[]> inputs, String message) {
            }
            List<Bad> cases = List.of(
                    new Bad(List.of(), "there is no input to embed"),
                    new Bad(List.of(good, new int[0]), "input[1] is empty: there is nothing to embed"),
                    new Bad(Arrays.asList(good, good, null), "input[2] is empty: there is nothing to embed"),
                    new Bad(List.of(good, new int[] {5, -1}), "input[1][1] = -1 is outside the vocabulary (0.."
                            + (vocabulary - 1) + ")"),
                    new Bad(List.of(new int[] {vocabulary}, good), "input[0][0] = " + vocabulary
                            + " is outside the vocabulary (0.." + (vocabulary - 1) + ")"),
                    new Bad(List.of(good, tooLong), "input[1] has " + tooLong.length + " tokens; this model embeds at most "
                            + model.maxInputTokens()));
            for (Bad bad : cases) {
                assertThatThrownBy(() -> model.embed(bad.inputs())).isInstanceOf(InvalidRequestException.class)
                        .hasMessage(bad.message());
                assertThat(model.embed(List.of(good)).getFirst()).isEqualTo(expected);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Libraries.BUNDLED, Libraries.CURRENT})
    void callsFromManyThreadsGetWhatOneThreadGets(String library) throws Exception {
        try (EmbeddingModel model = open(TestModels.stories(), library, EmbeddingOptions.defaults());
             ExecutorService threads = Executors.newFixedThreadPool(4)) {
            List<int[]> inputs = tokenize(model, TEXTS);
            List<float[]> expected = model.embed(inputs);
            List<Callable<List<float[]>>> calls = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                calls.add(() -> model.embed(inputs));
            }
            for (Future<List<float[]>> result : threads.invokeAll(calls)) {
                List<float[]> vectors = result.get();
                for (int i = 0; i < inputs.size(); i++) {
                    assertThat(vectors.get(i)).isEqualTo(expected.get(i));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Libraries.BUNDLED, Libraries.CURRENT})
    void aClosedModelRefusesWorkAndClosesOnce(String library) {
        EmbeddingModel model = open(TestModels.stories(), library, EmbeddingOptions.defaults());
        int[] tokens = model.tokenize("Once upon a time");
        model.close();
        model.close();
        assertThatThrownBy(() -> model.embed(List.of(tokens))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> model.tokenize("Once")).isInstanceOf(IllegalStateException.class);
        assertThat(model.info().name()).isEqualTo("stories260K");
    }

    @Test
    void aRerankerIsRefusedBeforeLlamaCppSeesIt() {
        Path reranker = new GgufWriter().putString("general.architecture", "bert").putUInt32("bert.pooling_type", 4)
                .write(dir.resolve("reranker.gguf"));
        assertThatThrownBy(() -> open(reranker, Libraries.BUNDLED, EmbeddingOptions.defaults()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(reranker + " declares rank pooling: it is a reranker, whose output is a score, not an embedding");
    }

    @Test
    void embeddingModelsAreToldFromTheHeader() throws Exception {
        LlamaCppBackend backend = new LlamaCppBackend();
        assertThat(backend.isEmbeddingModel(TestModels.stories())).isFalse();
        assertThat(backend.isEmbeddingModel(TestAssets.smolLm2())).isFalse();
        assertThat(backend.isEmbeddingModel(new GgufWriter().putString("general.architecture", "bert")
                .write(dir.resolve("bert.gguf")))).isTrue();
        assertThat(backend.isEmbeddingModel(new GgufWriter().putString("general.architecture", "llama")
                .putUInt32("llama.pooling_type", 3).write(dir.resolve("llama-last.gguf")))).isTrue();
        assertThat(backend.isEmbeddingModel(new GgufWriter().putString("general.architecture", "llama")
                .putUInt32("qwen3.pooling_type", 3).write(dir.resolve("other-architecture.gguf")))).isFalse();
        assertThat(backend.isEmbeddingModel(new GgufWriter().write(dir.resolve("no-architecture.gguf")))).isFalse();
        assertThat(backend.isEmbeddingModel(Files.writeString(dir.resolve("text.gguf"), "not a model"))).isFalse();
        assertThat(backend.isEmbeddingModel(dir.resolve("missing.gguf"))).isFalse();
        assertThat(backend.isEmbeddingModel(dir)).isFalse();
    }
}
