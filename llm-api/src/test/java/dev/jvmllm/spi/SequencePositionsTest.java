package dev.jvmllm.spi;

import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.ProcessorOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SequencePositionsTest {
    private final SequencePositions positions = new SequencePositions(100, new ProcessorOptions(2, 8, 4, 1));

    @Test
    void acceptsContinuingSequencesAndRecordsThem() {
        BatchInput batch = new BatchInput(4).add(0, 0, 5, false).add(0, 1, 6, true).add(1, 0, 7, true);
        positions.check(batch);
        positions.commit(batch);
        assertThat(positions.next(0)).isEqualTo(2);
        assertThat(positions.next(1)).isEqualTo(1);
        positions.release(0);
        assertThat(positions.next(0)).isZero();
    }

    @Test
    void rejectsBadValuesWithoutChangingAnything() {
        assertRejected(new BatchInput(1).add(0, 0, 100, true), "token id 100 at batch index 0 is outside the vocabulary (0..99)");
        assertRejected(new BatchInput(1).add(0, 0, -1, true), "token id -1");
        assertRejected(new BatchInput(1).add(2, 0, 1, true), "sequence id 2 at batch index 0 is outside 0..1");
        assertRejected(new BatchInput(1).add(0, 1, 1, true), "has position 1 but sequence 0 continues at position 0");
        assertRejected(new BatchInput(1).add(0, 0, 1, false).add(0, 0, 1, true), "continues at position 1");
        assertRejected(new BatchInput(1), "the batch is empty");
        BatchInput tooLong = new BatchInput(5);
        for (int i = 0; i < 5; i++) {
            tooLong.add(0, i, 1, false);
        }
        assertRejected(tooLong, "more than the processor's maxBatchTokens 4");
        assertThat(positions.next(0)).isZero();
    }

    @Test
    void rejectsPositionsPastTheContext() {
        for (int p = 0; p < 8; p += 4) {
            BatchInput batch = new BatchInput(4).addAll(0, p, new int[] {1, 2, 3, 4}, 0, 4, true);
            positions.check(batch);
            positions.commit(batch);
        }
        assertRejected(new BatchInput(1).add(0, 8, 1, true), "sequence 0 would exceed the context of 8 tokens (position 8)");
    }

    private void assertRejected(BatchInput batch, String message) {
        assertThatThrownBy(() -> positions.check(batch)).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining(message);
    }
}
