package dev.jvmllm.api;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Log-probabilities from a row of logits: log-softmax, and the most likely tokens in order. */
class TokenLogprobTest {

    @Test
    void isTheLogSoftmaxOfTheRow() {
        float[] values = {1.0f, 3.0f, -2.0f, 3.0f, 0.5f};
        TokenLogprob logprob = TokenLogprob.of(new ArrayLogits(values), 4, 3);

        double normaliser = 0;
        for (float v : values) {
            normaliser += Math.exp(v);
        }
        assertThat(logprob.token()).isEqualTo(4);
        assertThat(logprob.logprob()).isCloseTo(0.5 - Math.log(normaliser), within(1e-6));
        // the two 3.0s first, the lower id first among equals, then 1.0
        assertThat(logprob.top()).extracting(TokenLogprob.Candidate::token).containsExactly(1, 3, 0);
        assertThat(logprob.top().get(2).logprob()).isCloseTo(1.0 - Math.log(normaliser), within(1e-6));
        assertThat(TokenLogprob.of(new ArrayLogits(values), 0, 0).top()).isEmpty();
    }

    @Test
    void theWholeVocabularyAddsUpToOneAndComesInOrder() {
        Random random = new Random(3);
        float[] values = new float[5000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 8);
        }
        TokenLogprob logprob = TokenLogprob.of(new ArrayLogits(values), 17, values.length);

        double sum = logprob.top().stream().mapToDouble(c -> Math.exp(c.logprob())).sum();
        assertThat(sum).isCloseTo(1.0, within(1e-9));
        assertThat(logprob.top()).hasSize(values.length);
        for (int i = 1; i < logprob.top().size(); i++) {
            assertThat(logprob.top().get(i).logprob()).isLessThanOrEqualTo(logprob.top().get(i - 1).logprob());
        }
        assertThat(logprob.top().getFirst().token()).isEqualTo(new ArrayLogits(values).argmax());
    }

    @Test
    void refusesMoreCandidatesThanTokens() {
        assertThatThrownBy(() -> TokenLogprob.of(new ArrayLogits(new float[3]), 0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("topCount must be in 0..3, got 4");
        assertThatThrownBy(() -> GenerationRequest.of("x", SamplingParams.greedy(1)).withLogprobs(-1))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("the number of top log-probabilities must not be negative, got -1");
    }
}
