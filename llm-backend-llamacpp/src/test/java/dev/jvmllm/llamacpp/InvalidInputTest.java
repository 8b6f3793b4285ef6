package dev.jvmllm.llamacpp;

import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.BatchOutput;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.Logits;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Bad values never reach llama.cpp: each gives a clear exception, and the processor and its
 * sequences carry on as if the call had not happened. Runs on a random-weight model, anywhere,
 * on both libraries.
 */
@ParameterizedClass
@ValueSource(strings = {Libraries.BUNDLED, Libraries.CURRENT})
class InvalidInputTest {
    @Parameter
    String library;
    @TempDir
    Path dir;
    private Model model;
    private int[] prompt;
    private int[] expected;

    @BeforeEach
    void open() {
        model = Libraries.open(TestModels.random(dir), library);
        prompt = model.tokenize("Once upon a time", true);
        try (BatchProcessor processor = model.newBatchProcessor(small())) {
            expected = Greedy.generate(processor, 0, prompt, 12);
        }
    }

    @AfterEach
    void close() {
        if (model != null) {
            model.close();
        }
    }

    private static ProcessorOptions small() {
        return new ProcessorOptions(2, 64, 32, 1);
    }

    private static BatchInput batch(int sequence, int position, int token) {
        return new BatchInput(1).add(sequence, position, token, true);
    }

    @Test
    void promptLongerThanTheContextIsRefused() {
        try (BatchProcessor processor = model.newBatchProcessor(new ProcessorOptions(1, 64, 128, 1))) {
            int[] tokens = new int[100];
            java.util.Arrays.fill(tokens, prompt[1]);
            BatchInput input = new BatchInput(100).addAll(0, 0, tokens, 0, tokens.length, true);

            assertThatThrownBy(() -> processor.process(input)).isInstanceOf(InvalidRequestException.class)
                    .hasMessage("sequence 0 would exceed the context of 64 tokens (position 64)");
            assertThat(processor.nextPosition(0)).isZero();
            assertThat(Greedy.generate(processor, 0, prompt, 12)).containsExactly(expected);
        }
    }

    @Test
    void generationStopsAtTheEndOfTheContext() {
        try (BatchProcessor processor = model.newBatchProcessor(new ProcessorOptions(1, 8, 8, 1))) {
            int[] tokens = Greedy.generate(processor, 0, prompt, 3);
            assertThat(processor.nextPosition(0)).isEqualTo(prompt.length + 2);
            BatchInput input = new BatchInput(1);
            int last = tokens[tokens.length - 1];
            while (processor.nextPosition(0) < 8) {
                input.clear();
                last = processor.process(input.add(0, processor.nextPosition(0), last, true)).row(0).argmax();
            }
            assertThatThrownBy(() -> processor.process(batch(0, 8, 5))).isInstanceOf(InvalidRequestException.class)
                    .hasMessage("sequence 0 would exceed the context of 8 tokens (position 8)");
        }
    }

    @Test
    void badBatchesLeaveEverythingAsItWas() {
        try (BatchProcessor processor = model.newBatchProcessor(small())) {
            int vocabulary = model.vocabularySize();
            BatchInput input = new BatchInput(prompt.length).addAll(0, 0, prompt, 0, prompt.length, true);
            int first = processor.process(input).row(0).argmax();
            int position = processor.nextPosition(0);
            Optional<Integer> usedCells = ((LlamaCppBatchProcessor) processor).usedCells();

            assertThatThrownBy(() -> processor.process(batch(0, position, -1))).isInstanceOf(InvalidRequestException.class)
                    .hasMessage("token id -1 at batch index 0 is outside the vocabulary (0.." + (vocabulary - 1) + ")");
            assertThatThrownBy(() -> processor.process(batch(0, position, vocabulary)))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("token id " + vocabulary + " at batch index 0 is outside the vocabulary (0.."
                            + (vocabulary - 1) + ")");
            assertThatThrownBy(() -> processor.process(batch(2, 0, first))).isInstanceOf(InvalidRequestException.class)
                    .hasMessage("sequence id 2 at batch index 0 is outside 0..1");
            assertThatThrownBy(() -> processor.process(batch(-1, 0, first))).isInstanceOf(InvalidRequestException.class)
                    .hasMessage("sequence id -1 at batch index 0 is outside 0..1");
            assertThatThrownBy(() -> processor.process(batch(0, position + 1, first)))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("token at batch index 0 has position " + (position + 1) + " but sequence 0 continues at"
                            + " position " + position);
            assertThatThrownBy(() -> processor.process(batch(0, -5, first))).isInstanceOf(InvalidRequestException.class);
            assertThatThrownBy(() -> processor.process(batch(1, Integer.MAX_VALUE, first)))
                    .isInstanceOf(InvalidRequestException.class);
            assertThatThrownBy(() -> processor.process(new BatchInput(1))).isInstanceOf(InvalidRequestException.class)
                    .hasMessage("the batch is empty");
            BatchInput tooLong = new BatchInput(40);
            for (int i = 0; i < 33; i++) {
                tooLong.add(1, i, first, false);
            }
            assertThatThrownBy(() -> processor.process(tooLong)).isInstanceOf(InvalidRequestException.class)
                    .hasMessage("the batch has 33 tokens, more than the processor's maxBatchTokens 32");
            // a bad token late in an otherwise good batch rejects the whole batch
            BatchInput mixed = new BatchInput(2).add(1, 0, first, false).add(0, position, 99_999, true);
            assertThatThrownBy(() -> processor.process(mixed)).isInstanceOf(InvalidRequestException.class);
            assertThat(processor.nextPosition(1)).isZero();
            assertThatThrownBy(() -> processor.nextPosition(7)).isInstanceOf(InvalidRequestException.class);
            assertThatThrownBy(() -> processor.releaseSequence(-1)).isInstanceOf(InvalidRequestException.class)
                    .hasMessage("sequence id -1 is outside 0..1");
            assertThatThrownBy(() -> processor.process(null)).isInstanceOf(NullPointerException.class);

            assertThat(processor.nextPosition(0)).isEqualTo(position);
            assertThat(((LlamaCppBatchProcessor) processor).usedCells()).isEqualTo(usedCells);
            // the sequence continues exactly as it would have without the bad calls
            int[] rest = new int[expected.length];
            rest[0] = first;
            for (int i = 1; i < rest.length; i++) {
                input.clear();
                input.add(0, processor.nextPosition(0), rest[i - 1], true);
                rest[i] = processor.process(input).row(0).argmax();
            }
            assertThat(rest).containsExactly(expected);
        }
    }

    @Test
    void staleLogitsAndRowsAreRefused() {
        try (BatchProcessor processor = model.newBatchProcessor(small())) {
            BatchOutput first = processor.process(new BatchInput(8).addAll(0, 0, prompt, 0, prompt.length, true));
            Logits row = first.row(0);
            float[] copy = new float[model.vocabularySize()];
            row.copyTo(copy);
            assertThat(row.get(row.argmax())).isEqualTo(copy[row.argmax()]);
            assertThatThrownBy(() -> first.row(1)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> row.get(model.vocabularySize())).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> row.copyTo(new float[3])).isInstanceOf(IllegalArgumentException.class);

            processor.process(batch(1, 0, prompt[0]));

            assertThatThrownBy(row::argmax).isInstanceOf(IllegalStateException.class)
                    .hasMessage("logits are only valid until the next process, releaseSequence or close call");
            assertThatThrownBy(() -> row.get(0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> first.row(0)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void outputWithoutLogitRowsIsFine() {
        try (BatchProcessor processor = model.newBatchProcessor(small())) {
            BatchOutput output = processor.process(new BatchInput(8).addAll(0, 0, prompt, 0, prompt.length, false));
            assertThat(output.rows()).isZero();
            assertThatThrownBy(() -> output.row(0)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(processor.nextPosition(0)).isEqualTo(prompt.length);
        }
    }

    @Test
    void closedProcessorsRefuseEverything() {
        BatchProcessor processor = model.newBatchProcessor(small());
        Logits row = processor.process(batch(0, 0, prompt[0])).row(0);
        processor.close();
        processor.close();

        assertThatThrownBy(() -> processor.process(batch(0, 1, prompt[1]))).isInstanceOf(IllegalStateException.class)
                .hasMessage("the batch processor is closed");
        assertThatThrownBy(() -> processor.nextPosition(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> processor.releaseSequence(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(row::argmax).isInstanceOf(IllegalStateException.class)
                .hasMessage("the batch processor is closed");
    }

    @Test
    void closedModelsRefuseEverythingAndCloseTheirProcessors() {
        Model other = Libraries.open(TestModels.random(dir), library);
        BatchProcessor processor = other.newBatchProcessor(small());
        other.close();
        other.close();

        assertThatThrownBy(() -> processor.process(batch(0, 0, 1))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> other.tokenize("hi", true)).isInstanceOf(IllegalStateException.class)
                .hasMessage("the model random-llama is closed");
        assertThatThrownBy(() -> other.tokenBytes(5)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> other.newBatchProcessor(small())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> other.tokenText(5)).isInstanceOf(IllegalStateException.class);
        assertThat(other.info().name()).isEqualTo("random-llama");
    }

    @Test
    void impossibleOptionsAreRefused() {
        assertThatThrownBy(() -> model.newBatchProcessor(new ProcessorOptions(1000, 64, 32, 1)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("maxSequences 1000 is more than the 256 one llama.cpp processor holds");
        assertThatThrownBy(() -> model.newBatchProcessor(new ProcessorOptions(256, Integer.MAX_VALUE / 4, 32, 1)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("is too large for one llama.cpp context");
        assertThatThrownBy(() -> model.newBatchProcessor(new ProcessorOptions(1, 64, 32, 513)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("threads 513 is more than the 512 ggml supports");
    }
}
