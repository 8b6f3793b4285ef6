package dev.jvmllm.scheduler;

import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Prompt;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.api.SchedulerMetrics;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.scheduler.fake.FakeModel;
import dev.jvmllm.scheduler.fake.FakeProcessor;
import dev.jvmllm.scheduler.fake.Script;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import static dev.jvmllm.scheduler.Fixtures.joinResult;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Prefix caching on a fake model whose every token depends on the whole history of its sequence,
 * so reusing a wrong or stale KV cache changes the output: every result must be what the
 * model gives the prompt computed from scratch.
 */
class PrefixCacheTest {
    private final FakeModel model = new FakeModel(Script.mixing());

    @Test
    void aPromptThatContinuesAFinishedOneComputesOnlyItsNewTokens() {
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model,
                SchedulerOptions.defaults().withMaxSequences(2))) {
            int[] first = tokens(1, 20);
            GenerationResult turn1 = run(scheduler, first, 6);
            assertThat(turn1.cachedPromptTokens()).isZero();
            // the next turn: the conversation so far, then more
            int[] second = concat(first, turn1.tokens(), tokens(100, 7));
            FakeProcessor processor = model.processor();
            int callsBefore = processor.calls();

            GenerationResult turn2 = run(scheduler, second, 6);

            // the sequence held the prompt and the 5 generated tokens that were fed back; the 6th never was
            int cached = first.length + 5;
            assertThat(turn2.cachedPromptTokens()).isEqualTo(cached);
            assertThat(turn2.tokens()).containsExactly(model.expected(second, 6));
            FakeProcessor.Call firstCall = processor.callLog().get(callsBefore);
            assertThat(firstCall.size()).as("tokens computed in turn 2's first pass").isEqualTo(second.length - cached);
            assertThat(processor.truncations()).isEmpty(); // the whole entry was the prefix
            SchedulerMetrics metrics = scheduler.metrics();
            assertThat(metrics.prefixCacheQueriedTokens()).isEqualTo(first.length + second.length);
            assertThat(metrics.prefixCacheHitTokens()).isEqualTo(cached);
            assertThat(metrics.promptTokens()).isEqualTo(first.length + second.length - cached);
        }
    }

    @Test
    void aPromptThatSharesPartOfAnEntryCutsTheEntryThere() {
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model,
                SchedulerOptions.defaults().withMaxSequences(2))) {
            int[] first = tokens(1, 30);
            run(scheduler, first, 4);
            int[] second = concat(Arrays.copyOf(first, 12), tokens(200, 9));

            GenerationResult result = run(scheduler, second, 8);

            assertThat(result.cachedPromptTokens()).isEqualTo(12);
            assertThat(result.tokens()).containsExactly(model.expected(second, 8));
            assertThat(model.processor().truncations()).containsExactly(
                    new FakeProcessor.Truncation(0, first.length + 3, 12));
        }
    }

    @Test
    void aWholePromptInTheCacheStillComputesItsLastToken() {
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model,
                SchedulerOptions.defaults().withMaxSequences(1))) {
            int[] prompt = tokens(1, 15);
            GenerationResult once = run(scheduler, prompt, 5);
            GenerationResult again = run(scheduler, prompt, 5);

            assertThat(again.cachedPromptTokens()).isEqualTo(prompt.length - 1);
            assertThat(again.tokens()).containsExactly(once.tokens()).containsExactly(model.expected(prompt, 5));
        }
    }

    @Test
    void whereTheCacheCannotKeepAPrefixThePromptIsComputedInFull() {
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model,
                SchedulerOptions.defaults().withMaxSequences(1))) {
            int[] first = tokens(1, 20);
            run(scheduler, first, 4);
            model.processor().refuseTruncation();
            int[] second = concat(Arrays.copyOf(first, 10), tokens(50, 5));

            GenerationResult result = run(scheduler, second, 6);

            assertThat(result.cachedPromptTokens()).isZero();
            assertThat(result.tokens()).containsExactly(model.expected(second, 6));
            assertThat(model.processor().releases()).extracting(FakeProcessor.Release::sequence).containsExactly(0);
        }
    }

    @Test
    void cachedEntriesGiveWayLeastRecentlyUsedFirstAndNeverHoldBackAdmission() {
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model,
                SchedulerOptions.defaults().withMaxSequences(2))) {
            run(scheduler, tokens(1, 10), 3); // cached on sequence 0
            run(scheduler, tokens(2, 10), 3); // on sequence 1: sequence 0 holds an entry, but 1 was empty
            FakeProcessor processor = model.processor();
            assertThat(processor.releases()).isEmpty();
            run(scheduler, tokens(1, 10), 3); // a hit on sequence 0, which is now the most recently used

            // two requests that share nothing take both sequences at once: the cache is evicted for them
            GenerationHandle a = scheduler.submit(request(tokens(3, 10), 4));
            GenerationHandle b = scheduler.submit(request(tokens(4, 10), 4));
            assertThat(joinResult(a).tokens()).containsExactly(model.expected(tokens(3, 10), 4));
            assertThat(joinResult(b).tokens()).containsExactly(model.expected(tokens(4, 10), 4));
            assertThat(processor.releases()).extracting(FakeProcessor.Release::sequence).containsExactly(1, 0);
        }
    }

    @Test
    void offItComputesEveryPromptAndReleasesEverySequence() {
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model,
                SchedulerOptions.defaults().withMaxSequences(1).withPrefixCache(false))) {
            int[] prompt = tokens(1, 15);
            run(scheduler, prompt, 5);
            GenerationResult again = run(scheduler, prompt, 5);

            assertThat(again.cachedPromptTokens()).isZero();
            assertThat(model.processor().releases()).hasSize(2);
            assertThat(scheduler.metrics().prefixCacheQueriedTokens()).isZero();
        }
    }

    @Test
    void twoHundredRequestsSharingPrefixesOfRandomLengthsGetWhatEachGetsAlone() {
        Random random = new Random(20261202);
        int[][] stems = new int[5][];
        for (int i = 0; i < stems.length; i++) {
            stems[i] = tokens(1 + 40 * i, 10 + random.nextInt(40));
        }
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int[] stem = stems[random.nextInt(stems.length)];
            int shared = 1 + random.nextInt(stem.length);
            prompts.add(concat(Arrays.copyOf(stem, shared), tokens(random.nextInt(250), random.nextInt(12))));
        }
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model,
                SchedulerOptions.defaults().withMaxSequences(4).withMaxQueued(200))) {
            // in waves of 8 at once, so that hits, misses, cuts and evictions interleave with running requests
            for (int wave = 0; wave < prompts.size(); wave += 8) {
                List<GenerationHandle> handles = new ArrayList<>();
                for (int i = wave; i < wave + 8; i++) {
                    handles.add(scheduler.submit(request(prompts.get(i), 1 + i % 9)));
                }
                for (int i = wave; i < wave + 8; i++) {
                    assertThat(joinResult(handles.get(i - wave)).tokens()).as("request %d", i)
                            .containsExactly(model.expected(prompts.get(i), 1 + i % 9));
                }
            }
            assertThat(scheduler.metrics().prefixCacheHitTokens()).as("the cache was used").isPositive();
            assertThat(model.processor().truncations()).as("entries were cut").isNotEmpty();
            assertThat(model.processor().copies()).as("running generations' prompts were copied").isNotEmpty();
        }
    }

    private static GenerationResult run(ContinuousBatchingScheduler scheduler, int[] prompt, int maxTokens) {
        return joinResult(scheduler.submit(request(prompt, maxTokens)));
    }

    private static GenerationRequest request(int[] prompt, int maxTokens) {
        return GenerationRequest.of(Prompt.tokens(prompt), SamplingParams.greedy(maxTokens));
    }

    /** {@code count} byte tokens starting at byte {@code from}, wrapping around. */
    private static int[] tokens(int from, int count) {
        return IntStream.range(0, count).map(i -> FakeModel.byteToken((from + i) % 256)).toArray();
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }
}
