package dev.jvmllm.onnx.internal;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** How the encoder cuts inputs sorted by length into passes: least padding plus per-pass cost. */
class PassEndsTest {

    @Test
    void oneInputIsOnePass() {
        assertThat(OnnxEmbeddingModel.passEnds(new int[] {7})).containsExactly(1);
    }

    @Test
    void shortInputsDoNotPadToALongOne() {
        // together: 5 x 100 = 500 tokens of work; apart: 4 x 8 + 100 + one more pass (32) = 164
        assertThat(OnnxEmbeddingModel.passEnds(new int[] {8, 8, 8, 8, 100})).containsExactly(4, 5);
    }

    @Test
    void similarLengthsShareAPass() {
        // apart would save 4 padded tokens but cost a pass (32)
        assertThat(OnnxEmbeddingModel.passEnds(new int[] {10, 10, 11, 12})).containsExactly(4);
    }

    @Test
    void aPassHoldsNoMoreThanItsInputsAndTokens() {
        int[] equal = new int[70];
        Arrays.fill(equal, 16);
        int[] ends = OnnxEmbeddingModel.passEnds(equal);
        assertThat(ends).hasSize(3).endsWith(70);
        assertThat(IntStream.of(sizes(ends)).max().orElseThrow()).isLessThanOrEqualTo(OnnxEmbeddingModel.MAX_BATCH_INPUTS);

        int[] long512 = IntStream.range(0, 40).map(i -> 512).toArray();
        int[] longEnds = OnnxEmbeddingModel.passEnds(long512);
        assertThat(IntStream.of(sizes(longEnds)).max().orElseThrow() * 512).isLessThanOrEqualTo(OnnxEmbeddingModel.MAX_PASS_TOKENS);
        assertThat(longEnds).endsWith(40);
    }

    private static int[] sizes(int[] ends) {
        int[] sizes = new int[ends.length];
        for (int p = 0; p < ends.length; p++) {
            sizes[p] = ends[p] - (p == 0 ? 0 : ends[p - 1]);
        }
        return sizes;
    }
}
