package dev.jvmllm.llamacpp;

import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.BatchOutput;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Sequences decoded together in one batch get exactly the tokens they get alone. */
class BatchedDecodingTest {
    private static final String[] PROMPTS = {
            "Once upon a time", "The cat", "Lily wanted to", "One day, a little boy", "The sun was",
            "Tim and his mom", "She saw a big dog", "They went to the park"};
    private static final int MAX_TOKENS = 40;

    @ParameterizedTest
    @ValueSource(strings = {Libraries.BUNDLED, Libraries.CURRENT})
    void eightSequencesInOneBatchMatchEachAlone(String library) {
        try (Model model = Libraries.open(TestModels.stories(), library)) {
            int[][] prompts = Arrays.stream(PROMPTS).map(p -> model.tokenize(p, true)).toArray(int[][]::new);

            int[][] alone = new int[PROMPTS.length][];
            try (BatchProcessor processor = model.newBatchProcessor(new ProcessorOptions(1, 128, 64, 1))) {
                for (int s = 0; s < PROMPTS.length; s++) {
                    alone[s] = Greedy.generate(processor, 0, prompts[s], MAX_TOKENS);
                    processor.releaseSequence(0);
                }
            }

            int[][] together = new int[PROMPTS.length][MAX_TOKENS];
            int[] counts = new int[PROMPTS.length];
            boolean[] done = new boolean[PROMPTS.length];
            try (BatchProcessor processor = model.newBatchProcessor(
                    new ProcessorOptions(PROMPTS.length, 128, 512, 1))) {
                BatchInput input = new BatchInput(64);
                for (int s = 0; s < PROMPTS.length; s++) {
                    input.addAll(s, 0, prompts[s], 0, prompts[s].length, true);
                }
                int[] rowSequence = new int[PROMPTS.length];
                for (int s = 0; s < PROMPTS.length; s++) {
                    rowSequence[s] = s;
                }
                int rows = PROMPTS.length;
                while (rows > 0) {
                    BatchOutput output = processor.process(input);
                    assertThat(output.rows()).isEqualTo(rows);
                    input.clear();
                    int nextRows = 0;
                    for (int r = 0; r < rows; r++) {
                        int s = rowSequence[r];
                        int token = output.row(r).argmax();
                        together[s][counts[s]++] = token;
                        done[s] = model.isEndOfGeneration(token) || counts[s] == MAX_TOKENS;
                        if (!done[s]) {
                            input.add(s, processor.nextPosition(s), token, true);
                            rowSequence[nextRows++] = s;
                        }
                    }
                    rows = nextRows;
                }
            }

            for (int s = 0; s < PROMPTS.length; s++) {
                assertThat(Arrays.copyOf(together[s], counts[s])).as("prompt %d: %s", s, PROMPTS[s])
                        .containsExactly(alone[s]);
            }
            assertThat(model.detokenize(alone[0])).startsWith(", there was a little girl named Lily.");
        }
    }
}
