package dev.jvmllm.onnx;

import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.api.ProcessorOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A bad batch is refused before ONNX Runtime sees it, and the processor carries on as if it never came. */
class InvalidBatchTest {
    @TempDir
    static Path dir;
    private static Model model;

    @BeforeAll
    static void open() {
        model = new OnnxBackend().open(TestModels.convertedRandom(dir), ModelOptions.defaults());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void badValuesAreRefusedAndChangeNothing() {
        int vocabulary = model.vocabularySize();
        try (BatchProcessor processor = model.newBatchProcessor(new ProcessorOptions(2, 16, 8, 1))) {
            int[] expected = TestModels.greedy(processor, 0, new int[] {1, 300, 301}, 3);
            processor.releaseSequence(0);

            BatchInput batch = new BatchInput(4);
            batch.add(0, 0, 1, true);
            processor.process(batch);
            assertRefused(processor, new BatchInput(1).add(0, 1, vocabulary, true),
                    "token id " + vocabulary + " at batch index 0 is outside the vocabulary (0.." + (vocabulary - 1) + ")");
            assertRefused(processor, new BatchInput(1).add(0, 1, -1, true), "token id -1 at batch index 0");
            assertRefused(processor, new BatchInput(1).add(2, 0, 5, true), "sequence id 2 at batch index 0 is outside 0..1");
            assertRefused(processor, new BatchInput(1).add(0, 5, 5, true),
                    "token at batch index 0 has position 5 but sequence 0 continues at position 1");
            assertRefused(processor, new BatchInput(1), "the batch is empty");
            BatchInput tooMany = new BatchInput(9);
            for (int i = 0; i < 9; i++) {
                tooMany.add(1, i, 5, false);
            }
            assertRefused(processor, tooMany, "the batch has 9 tokens, more than the processor's maxBatchTokens 8");
            BatchInput pastContext = new BatchInput(8);
            pastContext.addAll(1, 0, new int[] {5, 5, 5, 5, 5, 5, 5, 5}, 0, 8, false);
            processor.process(pastContext);
            pastContext.clear();
            processor.process(pastContext.addAll(1, 8, new int[] {5, 5, 5, 5, 5, 5, 5, 5}, 0, 8, false));
            assertRefused(processor, new BatchInput(1).add(1, 16, 5, true),
                    "sequence 1 would exceed the context of 16 tokens (position 16)");

            // none of that touched sequence 0: it continues exactly as it would have
            assertThat(processor.nextPosition(0)).isEqualTo(1);
            batch.clear();
            batch.add(0, 1, 300, false).add(0, 2, 301, true);
            int[] continued = new int[3];
            continued[0] = processor.process(batch).row(0).argmax();
            for (int i = 1; i < 3; i++) {
                batch.clear();
                batch.add(0, processor.nextPosition(0), continued[i - 1], true);
                continued[i] = processor.process(batch).row(0).argmax();
            }
            assertThat(continued).containsExactly(expected);
        }
    }

    @Test
    void aContextLargerThanTheModelsIsRefused() {
        assertThatThrownBy(() -> model.newBatchProcessor(ProcessorOptions.defaults().withContextSize(100_000)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("contextSize 100000 exceeds the model's trained context of 256 tokens");
    }

    @Test
    void aClosedProcessorRefusesWork() {
        BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults());
        processor.close();
        processor.close();
        assertThatThrownBy(() -> processor.process(new BatchInput(1).add(0, 0, 1, true)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the processor is closed");
    }

    private static void assertRefused(BatchProcessor processor, BatchInput batch, String message) {
        assertThatThrownBy(() -> processor.process(batch))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining(message);
    }
}
