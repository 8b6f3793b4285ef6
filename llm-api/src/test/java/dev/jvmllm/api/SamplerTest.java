package dev.jvmllm.api;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SamplerTest {
    private static final Logits ROW = new ArrayLogits(new float[] {1f, 3f, 2f, -1f, 2.5f});

    @Test
    void greedyPicksTheLargestLogit() {
        Sampler sampler = Sampler.create(SamplingParams.greedy(4), 5);
        assertThat(sampler.sample(ROW)).isEqualTo(1);
    }

    @Test
    void greedyBreaksTiesTowardsTheLowestId() {
        Sampler sampler = Sampler.create(SamplingParams.greedy(4), 3);
        assertThat(sampler.sample(new ArrayLogits(new float[] {0f, 5f, 5f}))).isEqualTo(1);
    }

    @Test
    void topKOfOneIsGreedyAtAnyTemperature() {
        Sampler sampler = Sampler.create(SamplingParams.builder().temperature(5).topK(1).build(), 5);
        for (int i = 0; i < 20; i++) {
            assertThat(sampler.sample(ROW)).isEqualTo(1);
        }
    }

    @Test
    void presencePenaltyMovesGreedyAwayFromSeenTokens() {
        Sampler sampler = Sampler.create(SamplingParams.builder().temperature(0).presencePenalty(2).build(), 5);
        sampler.accept(1);
        assertThat(sampler.sample(ROW)).isEqualTo(4); // 3 - 2 = 1 < 2.5
    }

    @Test
    void frequencyPenaltyGrowsWithEachOccurrence() {
        Sampler sampler = Sampler.create(SamplingParams.builder().temperature(0).frequencyPenalty(0.4).build(), 5);
        sampler.accept(1);
        assertThat(sampler.sample(ROW)).isEqualTo(1); // 3 - 0.4 = 2.6 > 2.5
        sampler.accept(1);
        assertThat(sampler.sample(ROW)).isEqualTo(4); // 3 - 0.8 = 2.2 < 2.5
    }

    @Test
    void repetitionPenaltyDividesPositiveLogits() {
        Sampler sampler = Sampler.create(SamplingParams.builder().temperature(0).repetitionPenalty(1.5).build(), 5);
        sampler.accept(1);
        assertThat(sampler.sample(ROW)).isEqualTo(4); // 3 / 1.5 = 2 < 2.5
    }

    @Test
    void theSameSeedGivesTheSameDraws() {
        SamplingParams params = SamplingParams.builder().temperature(1.0).seed(42).build();
        Sampler a = Sampler.create(params, 5);
        Sampler b = Sampler.create(params, 5);
        for (int i = 0; i < 50; i++) {
            assertThat(a.sample(ROW)).isEqualTo(b.sample(ROW));
        }
    }

    @Test
    void topKAndTopPKeepOnlyTheMostLikelyTokens() {
        Map<Integer, Integer> seen = new HashMap<>();
        Sampler topK = Sampler.create(SamplingParams.builder().temperature(1).topK(2).seed(7).build(), 5);
        for (int i = 0; i < 500; i++) {
            seen.merge(topK.sample(ROW), 1, Integer::sum);
        }
        assertThat(seen.keySet()).containsExactlyInAnyOrder(1, 4);

        seen.clear();
        // probabilities at T=1: 3 -> 0.43, 2.5 -> 0.26, 2 -> 0.16, ... ; top-p 0.6 keeps {1, 4}
        Sampler topP = Sampler.create(SamplingParams.builder().temperature(1).topP(0.6).seed(7).build(), 5);
        for (int i = 0; i < 500; i++) {
            seen.merge(topP.sample(ROW), 1, Integer::sum);
        }
        assertThat(seen.keySet()).containsExactlyInAnyOrder(1, 4);
    }

    @Test
    void minPDropsUnlikelyTokens() {
        Map<Integer, Integer> seen = new HashMap<>();
        // p(x)/p(max) = exp(x - 3): keeps 3, 2.5 (0.61), drops 2 (0.37), 1, -1
        Sampler sampler = Sampler.create(SamplingParams.builder().temperature(1).minP(0.5).seed(3).build(), 5);
        for (int i = 0; i < 500; i++) {
            seen.merge(sampler.sample(ROW), 1, Integer::sum);
        }
        assertThat(seen.keySet()).containsExactlyInAnyOrder(1, 4);
    }

    @Test
    void drawsFollowTheDistribution() {
        int[] counts = new int[2];
        Sampler sampler = Sampler.create(SamplingParams.builder().temperature(1).seed(11).build(), 2);
        Logits row = new ArrayLogits(new float[] {0f, (float) Math.log(3)}); // p = 1/4, 3/4
        for (int i = 0; i < 4000; i++) {
            counts[sampler.sample(row)]++;
        }
        assertThat(counts[1] / 4000.0).isBetween(0.70, 0.80);
    }

    @Test
    void rejectsARowOfTheWrongSize() {
        Sampler sampler = Sampler.create(SamplingParams.greedy(1), 4);
        assertThatThrownBy(() -> sampler.sample(ROW)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("5 entries");
    }
}
