package dev.jvmllm.llamacpp;

import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.BatchOutput;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.Logits;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code copySequence}: how the choices of one request share a prefill. In b4916's one cache the
 * copy shares cells; in the current library's cache per sequence llama.cpp copies the source's
 * cells at the next decode. Either way a copy must continue exactly as its source would, on its
 * own, released source or not.
 */
class CopySequenceTest {
    private static final int STEPS = 30;

    /**
     * Sequence 0 computes the prompt; 1 and 2 get copies, then 0 is released before any of them
     * runs again (as when the first choice ends on its first token): both continue as the
     * prompt alone does. Three steps later 1 is copied to 3, which picks up where 1 stands.
     */
    @ParameterizedTest
    @ValueSource(strings = {Libraries.BUNDLED, Libraries.CURRENT})
    void copiesContinueAsTheirSourceWouldEvenOnceItIsReleased(String library) {
        try (Model model = Libraries.open(TestModels.stories(), library)) {
            int[] prompt = model.tokenize("Once upon a time", true);
            int[] alone;
            try (BatchProcessor processor = model.newBatchProcessor(new ProcessorOptions(1, 128, 64, 1))) {
                alone = Greedy.generate(processor, 0, prompt, STEPS + 1);
            }
            assertThat(alone).hasSize(STEPS + 1);
            try (BatchProcessor processor = model.newBatchProcessor(new ProcessorOptions(4, 128, 64, 1))) {
                BatchOutput output = processor.process(new BatchInput(64).addAll(0, 0, prompt, 0, prompt.length, true));
                Logits row = output.row(0);
                processor.copySequence(0, 1);
                processor.copySequence(0, 2);
                // a copy leaves the logit rows of the pass before it readable
                assertThat(row.argmax()).isEqualTo(alone[0]);
                processor.releaseSequence(0);
                assertThat(processor.nextPosition(1)).isEqualTo(prompt.length);
                assertThat(processor.nextPosition(2)).isEqualTo(prompt.length);

                int[] generated = new int[4]; // per sequence: how many tokens of alone its cache holds
                int[][] produced = new int[4][STEPS + 1];
                BatchInput input = new BatchInput(4);
                for (int step = 0; step < STEPS; step++) {
                    if (step == 3) {
                        processor.copySequence(1, 3);
                        generated[3] = generated[1];
                    }
                    input.clear();
                    int[] fed = step < 3 ? new int[] {1, 2} : new int[] {1, 2, 3};
                    for (int sequence : fed) {
                        input.add(sequence, prompt.length + generated[sequence], alone[generated[sequence]], true);
                    }
                    output = processor.process(input);
                    for (int r = 0; r < fed.length; r++) {
                        int sequence = fed[r];
                        produced[sequence][generated[sequence]] = output.row(r).argmax();
                        generated[sequence]++;
                    }
                }
                for (int sequence : new int[] {1, 2}) {
                    assertThat(produced[sequence]).as("sequence %d", sequence).startsWith(Arrays.copyOfRange(alone, 1, STEPS + 1));
                }
                assertThat(Arrays.copyOfRange(produced[3], 3, STEPS))
                        .containsExactly(Arrays.copyOfRange(alone, 4, STEPS + 1));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Libraries.BUNDLED, Libraries.CURRENT})
    void aCopyOntoItselfAnOccupiedOrAMissingSequenceIsRefusedBeforeNativeCode(String library) {
        try (Model model = Libraries.open(TestModels.stories(), library);
             BatchProcessor processor = model.newBatchProcessor(new ProcessorOptions(2, 64, 64, 1))) {
            int[] prompt = model.tokenize("The cat", true);
            processor.process(new BatchInput(64).addAll(0, 0, prompt, 0, prompt.length, true)
                    .addAll(1, 0, prompt, 0, 1, true));
            assertThatThrownBy(() -> processor.copySequence(0, 1)).isInstanceOf(InvalidRequestException.class)
                    .hasMessage("sequence 1 holds 1 tokens: a copy goes to an empty sequence, release it first");
            assertThatThrownBy(() -> processor.copySequence(0, 0)).isInstanceOf(InvalidRequestException.class)
                    .hasMessage("sequence 0 cannot be copied onto itself");
            assertThatThrownBy(() -> processor.copySequence(0, 2)).isInstanceOf(InvalidRequestException.class)
                    .hasMessage("sequence id 2 is outside 0..1");
            assertThatThrownBy(() -> processor.copySequence(-1, 1)).isInstanceOf(InvalidRequestException.class)
                    .hasMessage("sequence id -1 is outside 0..1");
            assertThat(processor.nextPosition(1)).isEqualTo(1);
            processor.releaseSequence(1);
            processor.copySequence(0, 1);
            assertThat(processor.nextPosition(1)).isEqualTo(prompt.length);
        }
    }
}
