package dev.jvmllm.scheduler.internal;

import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.BatchOutput;
import dev.jvmllm.api.GenerationListener;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.Logits;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.Prompt;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.api.StepOrder;
import dev.jvmllm.scheduler.fake.FakeModel;
import dev.jvmllm.scheduler.fake.FakeProcessor;
import dev.jvmllm.scheduler.fake.Script;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The step, single-threaded, the vLLM way: plan a batch, hand the planner a hand-built output,
 * apply it, and look at what the next plan holds: chunk sizes, the budget, decode-first order,
 * and what a cached prefix spares.
 */
class StepPlannerTest {
    private static final int BUDGET = 16;
    private final FakeModel model = new FakeModel(Script.mixing());
    private final FakeProcessor processor = (FakeProcessor) model.newBatchProcessor(new ProcessorOptions(4, 128, BUDGET, 1));
    private final SchedulerStats stats = new SchedulerStats();
    private final GenerationFactory factory = new GenerationFactory(model, 128, stats, () -> 0L);
    private final ActiveSequences active = new ActiveSequences(4);
    private final StepPlanner planner = new StepPlanner(processor, BUDGET, 4, StepOrder.DECODE_FIRST);

    @Test
    void aLongPromptIsReadInChunksOfTheBudgetAndAsksForLogitsOnlyAtItsEnd() {
        Generation reader = generation(40, 3);
        active.admit(reader);

        StepPlan first = planner.plan(active, 0);
        assertThat(positions(first.batch(), 0)).containsExactly(IntStream.range(0, 16).toArray());
        assertThat(first.batch().logitRows()).isZero();
        planner.apply(first, output(), 0);
        StepPlan second = planner.plan(active, 0);
        assertThat(positions(second.batch(), 0)).containsExactly(IntStream.range(16, 32).toArray());
        planner.apply(second, output(), 0);
        StepPlan third = planner.plan(active, 0);
        assertThat(positions(third.batch(), 0)).containsExactly(IntStream.range(32, 40).toArray());
        assertThat(third.batch().logitRows()).isEqualTo(1);

        planner.apply(third, output(token(7)), 0);
        assertThat(reader.generated()).isEqualTo(1);
        assertThat(reader.isDecoding()).isTrue();
        StepPlan decode = planner.plan(active, 0);
        assertThat(decode.batch().size()).isEqualTo(1);
        assertThat(decode.batch().token(0)).isEqualTo(token(7));
        assertThat(decode.batch().position(0)).isEqualTo(40);
    }

    @Test
    void decodingGenerationsGoFirstAndPromptsShareTheRestOldestFirst() {
        Generation decoder = generation(3, 10);
        active.admit(decoder);
        StepPlan prompt = planner.plan(active, 0);
        planner.apply(prompt, output(token(1)), 0);
        Generation older = generation(30, 2);
        Generation newer = generation(30, 2);
        active.admit(older);
        active.admit(newer);

        StepPlan plan = planner.plan(active, 0);
        // the decoding token first, then the oldest prompt takes the rest of the budget
        assertThat(plan.batch().sequence(0)).isEqualTo(decoder.sequence());
        assertThat(counts(plan.batch())).containsExactly(1, 15, 0);
        planner.apply(plan, output(token(2)), 0);

        StepPlan next = planner.plan(active, 0);
        assertThat(counts(next.batch())).containsExactly(1, 15, 0);
        assertThat(next.batch().logitRows()).isEqualTo(2); // the decoder's and the end of the older prompt
        planner.apply(next, output(token(3), token(4)), 0);

        StepPlan after = planner.plan(active, 0);
        assertThat(counts(after.batch())).containsExactly(1, 1, 14);
        assertThat(after.batch().size()).isEqualTo(BUDGET);
    }

    @Test
    void inAdmissionOrderTheOldestPromptTakesTheBudgetBeforeADecodingGeneration() {
        StepPlanner prefillFirst = new StepPlanner(processor, BUDGET, 4, StepOrder.ADMISSION_ORDER);
        Generation prompt = generation(30, 2);
        Generation decoder = generation(3, 10);
        active.admit(prompt);
        active.admit(decoder);
        StepPlan first = prefillFirst.plan(active, 0);
        assertThat(counts(first.batch())).containsExactly(16, 0);
        prefillFirst.apply(first, output(), 0);
        StepPlan second = prefillFirst.plan(active, 0);
        assertThat(counts(second.batch())).containsExactly(14, 2); // the rest of the prompt, then the next one's
        prefillFirst.apply(second, output(token(1)), 0);
        StepPlan third = prefillFirst.plan(active, 0);
        assertThat(counts(third.batch())).containsExactly(1, 1);
    }

    @Test
    void aPromptWithACachedPrefixComputesOnlyItsOwnTokens() {
        EngineStep step = new EngineStep(processor, 4, StepOrder.DECODE_FIRST, true, stats, () -> 0L);
        Generation first = generation(tokens(1, 20), 3);
        step.admit(first);
        while (!first.isEnded()) {
            step.run();
        }
        List<Generation> retired = new ArrayList<>();
        step.retire(0, false, true, retired::add);
        assertThat(retired).containsExactly(first);
        assertThat(first.computed()).isEqualTo(22); // the prompt and 2 of its 3 tokens: the last was never fed

        int[] next = concat(Arrays.copyOf(first.computedTokens(), 22), tokens(50, 6));
        Generation second = generation(next, 4);
        step.admit(second);
        assertThat(second.sequence()).isEqualTo(first.sequence());
        assertThat(second.computed()).isEqualTo(22);
        int calls = processor.calls();
        step.run();
        assertThat(processor.callLog().get(calls).tokensOf(second.sequence())).isEqualTo(6);
        assertThat(stats.snapshot(0, 1).prefixCacheHitTokens()).isEqualTo(22);
        while (!second.isEnded()) {
            step.run();
        }
        assertThat(second.result().tokens()).containsExactly(model.expected(next, 4));
        assertThat(second.result().cachedPromptTokens()).isEqualTo(22);
    }

    @Test
    void aPromptSharingARunningGenerationsPromptStartsFromACopyOfItsCache() {
        EngineStep step = new EngineStep(processor, 4, StepOrder.DECODE_FIRST, true, stats, () -> 0L);
        int[] shared = tokens(1, 30);
        Generation running = generation(concat(shared, tokens(90, 10)), 20);
        step.admit(running);
        step.run();
        step.run();
        step.run(); // all 40 prompt tokens computed, decoding
        assertThat(running.computed()).isEqualTo(40);
        int[] prompt = concat(shared, tokens(150, 5));

        Generation joining = generation(prompt, 6);
        step.admit(joining);

        assertThat(processor.copies()).extracting(FakeProcessor.Copy::source, FakeProcessor.Copy::target)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(running.sequence(), joining.sequence()));
        assertThat(processor.truncations()).containsExactly(new FakeProcessor.Truncation(joining.sequence(), 40, 30));
        assertThat(joining.computed()).isEqualTo(30);
        while (!joining.isEnded() || !running.isEnded()) {
            step.run();
        }
        assertThat(joining.result().tokens()).containsExactly(model.expected(prompt, 6));
        assertThat(running.result().tokens()).containsExactly(model.expected(concat(shared, tokens(90, 10)), 20));
    }

    @Test
    void admissionTakesAnEmptySequenceFirstThenTheLeastRecentlyUsedCachedOne() {
        EngineStep step = new EngineStep(processor, 2, StepOrder.DECODE_FIRST, true, stats, () -> 0L);
        Generation first = generation(tokens(1, 10), 2);
        Generation second = generation(tokens(100, 10), 2);
        step.admit(first);
        step.admit(second);
        assertThat(step.free()).isZero();
        while (!first.isEnded() || !second.isEnded()) {
            step.run();
        }
        step.retire(0, false, true, generation -> { });
        assertThat(step.free()).as("cached sequences count as free").isEqualTo(2);

        Generation unrelated = generation(tokens(200, 10), 2);
        step.admit(unrelated);
        // both sequences held cached prefixes: the least recently kept (the later in admission
        // order, retired first) gives way
        assertThat(processor.releases()).extracting(FakeProcessor.Release::sequence)
                .containsExactly(second.sequence());
        assertThat(unrelated.sequence()).isEqualTo(second.sequence());
        assertThat(unrelated.computed()).isZero();
        Generation again = generation(tokens(1, 12), 2);
        step.admit(again);
        assertThat(again.sequence()).isEqualTo(first.sequence());
        assertThat(again.computed()).as("the entry that stayed is still a hit: its prompt").isEqualTo(10);
    }

    private Generation generation(int promptLength, int maxTokens) {
        return generation(tokens(1, promptLength), maxTokens);
    }

    private Generation generation(int[] prompt, int maxTokens) {
        return factory.create(GenerationRequest.of(Prompt.tokens(prompt), SamplingParams.greedy(maxTokens)),
                GenerationListener.NONE, GenerationFactory.NO_TIMEOUT);
    }

    /** How many tokens of each active generation, in admission order, the batch holds. */
    private int[] counts(BatchInput batch) {
        int[] counts = new int[active.size()];
        for (int i = 0; i < batch.size(); i++) {
            for (int g = 0; g < active.size(); g++) {
                if (active.get(g).sequence() == batch.sequence(i)) {
                    counts[g]++;
                }
            }
        }
        return counts;
    }

    private static int[] positions(BatchInput batch, int sequence) {
        return IntStream.range(0, batch.size()).filter(i -> batch.sequence(i) == sequence).map(batch::position).toArray();
    }

    /** A forward pass's output whose rows each make one token certain. */
    private static BatchOutput output(int... winners) {
        return new BatchOutput() {
            @Override
            public int rows() {
                return winners.length;
            }

            @Override
            public Logits row(int row) {
                return new Logits() {
                    @Override
                    public int size() {
                        return FakeModel.VOCABULARY;
                    }

                    @Override
                    public float get(int token) {
                        return token == winners[row] ? 10f : 0f;
                    }

                    @Override
                    public void copyTo(float[] target) {
                        for (int i = 0; i < target.length; i++) {
                            target[i] = get(i);
                        }
                    }
                };
            }
        };
    }

    private static int token(int index) {
        return FakeModel.byteToken('a' + index);
    }

    private static int[] tokens(int from, int count) {
        return IntStream.range(0, count).map(i -> FakeModel.byteToken((from + i) % 256)).toArray();
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }
}
