package dev.jvmllm.onnx;

import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.BatchOutput;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.llamacpp.LlamaCppBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * stories260K converted to ONNX against the same GGUF in llama.cpp: the same tokens from the same
 * text, first-step logits within 1e-3 of the largest, the same 32 greedy tokens, and 8 sequences
 * batched getting what each gets alone.
 */
class LlamaCppComparisonTest {
    private static final String[] PROMPTS = {
            "Once upon a time",
            "Lily and Tom went to the park.",
            "The little dog was very happy because",
            "Héllo wörld — naïve café ☃ 日本語",
            "One day, a big red ball rolled\ninto the garden and"};
    private static final int GREEDY_TOKENS = 32;

    @TempDir
    static Path dir;
    private static Model llama;
    private static Model onnx;

    @BeforeAll
    static void open() {
        Path gguf = TestModels.storiesGguf();
        llama = new LlamaCppBackend().open(gguf, ModelOptions.defaults());
        onnx = new OnnxBackend().open(GgufToOnnxConverter.convert(gguf, dir.resolve("stories260K")), ModelOptions.defaults());
    }

    @AfterAll
    static void close() {
        if (onnx != null) {
            onnx.close();
        }
        if (llama != null) {
            llama.close();
        }
    }

    @Test
    void tokenizerJsonGivesLlamaCppsIds() {
        for (String prompt : PROMPTS) {
            int[] expected = llama.tokenize(prompt, true);
            assertThat(onnx.tokenize(prompt, true)).as(prompt).containsExactly(expected);
            assertThat(onnx.tokenize(prompt, false)).as(prompt).containsExactly(llama.tokenize(prompt, false));
            for (int token : expected) {
                assertThat(onnx.tokenBytes(token)).as("token %d", token).containsExactly(llama.tokenBytes(token));
            }
        }
        // the non-ASCII prompt really exercises byte fallback: ☃ is not a piece of this vocabulary
        assertThat(onnx.tokenize("☃", false)).containsExactly(llama.tokenize("☃", false))
                .contains(3 + 0xE2, 3 + 0x98, 3 + 0x83);
        assertThat(onnx.specialTokens()).isEqualTo(llama.specialTokens());
        assertThat(onnx.vocabularySize()).isEqualTo(llama.vocabularySize());
    }

    @Test
    void tokenizerJsonAgreesWithLlamaCppOnManyGeneratedTexts() {
        // seeded, so a failure names a text that can be reproduced
        java.util.Random random = new java.util.Random(260);
        String[] words = {"the", "The", "a", "little", "girl", "Lily", "park", "happy", "ball", "red", "said", "ing",
                "Tom's", "don't", "x", "zzz", "tion", "anti", "café", "naïve", "€5", "™", "日本", "☃", "  ", "\n", "\t",
                "!", ",", ".", "\"", "123", "ca-ca", "aaaa", "ℕ", "🙂"};
        for (int text = 0; text < 300; text++) {
            StringBuilder builder = new StringBuilder();
            for (int w = 0, n = 1 + random.nextInt(12); w < n; w++) {
                if (random.nextInt(4) > 0) {
                    builder.append(' ');
                }
                builder.append(words[random.nextInt(words.length)]);
            }
            String sample = builder.toString();
            assertThat(onnx.tokenize(sample, true)).as(sample).containsExactly(llama.tokenize(sample, true));
        }
    }

    @Test
    void firstStepLogitsAgreeWithin1e3OfTheLargest() {
        for (String prompt : PROMPTS) {
            int[] ids = llama.tokenize(prompt, true);
            float[] expected;
            float[] actual;
            try (BatchProcessor reference = llama.newBatchProcessor(options(1));
                 BatchProcessor processor = onnx.newBatchProcessor(options(1))) {
                expected = TestModels.firstLogits(reference, 0, ids);
                actual = TestModels.firstLogits(processor, 0, ids);
            }
            assertThat(TestModels.relativeError(expected, actual)).as(prompt).isLessThan(1e-3);
        }
    }

    @Test
    void greedyTokensEqualLlamaCppsForTheFirst32() {
        for (String prompt : PROMPTS) {
            int[] ids = llama.tokenize(prompt, true);
            try (BatchProcessor reference = llama.newBatchProcessor(options(1));
                 BatchProcessor processor = onnx.newBatchProcessor(options(1))) {
                assertThat(TestModels.greedy(processor, 0, ids, GREEDY_TOKENS)).as(prompt)
                        .containsExactly(TestModels.greedy(reference, 0, ids, GREEDY_TOKENS));
            }
        }
        try (BatchProcessor processor = onnx.newBatchProcessor(options(1))) {
            String story = onnx.detokenize(TestModels.greedy(processor, 0, onnx.tokenize("Once upon a time", true), 27));
            assertThat(story).isEqualTo(", there was a little girl named Lily. She loved to play outside in the park.");
        }
    }

    @Test
    void eightSequencesBatchedGetWhatEachGetsAlone() {
        int[][] prompts = new int[8][];
        int[][] alone = new int[8][];
        for (int s = 0; s < 8; s++) {
            prompts[s] = onnx.tokenize(PROMPTS[s % PROMPTS.length] + (s >= PROMPTS.length ? " and then" : ""), true);
            try (BatchProcessor processor = onnx.newBatchProcessor(options(1))) {
                alone[s] = TestModels.greedy(processor, 0, prompts[s], GREEDY_TOKENS);
            }
        }
        try (BatchProcessor processor = onnx.newBatchProcessor(options(8))) {
            BatchInput batch = new BatchInput(128);
            for (int s = 0; s < 8; s++) {
                batch.addAll(s, 0, prompts[s], 0, prompts[s].length, true);
            }
            int[][] batched = new int[8][GREEDY_TOKENS];
            for (int step = 0; step < GREEDY_TOKENS; step++) {
                BatchOutput output = processor.process(batch);
                batch.clear();
                for (int s = 0; s < 8; s++) {
                    batched[s][step] = output.row(s).argmax();
                    batch.add(s, processor.nextPosition(s), batched[s][step], true);
                }
            }
            for (int s = 0; s < 8; s++) {
                assertThat(batched[s]).as("sequence %d", s).containsExactly(alone[s]);
            }
        }
    }

    /** One thread: these tiny passes gain nothing from more, and the tests share the machine. */
    private static ProcessorOptions options(int sequences) {
        return ProcessorOptions.defaults().withMaxSequences(sequences).withContextSize(256).withThreads(1);
    }
}
