package dev.jvmllm.api;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SamplingParamsTest {

    @Test
    void rejectsValuesOutOfRangeWithTheFieldName() {
        assertThatThrownBy(() -> SamplingParams.builder().maxTokens(0).build())
                .isInstanceOf(InvalidRequestException.class).hasMessage("max_tokens must be at least 1, got 0");
        assertThatThrownBy(() -> SamplingParams.builder().temperature(-1).build())
                .isInstanceOf(InvalidRequestException.class).hasMessageStartingWith("temperature");
        assertThatThrownBy(() -> SamplingParams.builder().topP(0).build())
                .isInstanceOf(InvalidRequestException.class).hasMessageStartingWith("top_p");
        assertThatThrownBy(() -> SamplingParams.builder().presencePenalty(3).build())
                .isInstanceOf(InvalidRequestException.class).hasMessageStartingWith("presence_penalty");
        assertThatThrownBy(() -> SamplingParams.builder().stop(List.of("")).build())
                .isInstanceOf(InvalidRequestException.class).hasMessage("stop strings must not be empty");
    }

    @Test
    void greedyMeansTemperatureZeroOrTopKOne() {
        assertThat(SamplingParams.greedy(3).isGreedy()).isTrue();
        assertThat(SamplingParams.builder().topK(1).build().isGreedy()).isTrue();
        assertThat(SamplingParams.builder().build().isGreedy()).isFalse();
        assertThat(SamplingParams.builder().build().toBuilder().maxTokens(9).build().maxTokens()).isEqualTo(9);
    }
}
