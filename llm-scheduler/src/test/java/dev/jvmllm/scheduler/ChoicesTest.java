package dev.jvmllm.scheduler;

import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationListener;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.QueueFullException;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.scheduler.fake.FakeModel;
import dev.jvmllm.scheduler.fake.FakeProcessor;
import dev.jvmllm.scheduler.fake.Script;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.jvmllm.scheduler.Fixtures.greedy;
import static dev.jvmllm.scheduler.Fixtures.joinResult;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The choices of one request ({@code n > 1}): the prompt is computed once and copied to the other
 * sequences, each choice samples on its own, and they are admitted together. The mixing script
 * predicts from a sequence's whole history, so a choice whose copy missed a token would show it.
 */
class ChoicesTest {
    private static final String PROMPT = "Tom and his dog went to the park";

    private final FakeModel model = new FakeModel(Script.mixing());

    @Test
    void threeChoicesComputeThePromptOnceAndEachGetsTheWholeContinuation() {
        List<RecordingListener> listeners = List.of(new RecordingListener(), new RecordingListener(), new RecordingListener());
        int[] prompt = model.tokenize(PROMPT, true);
        int[] expected = model.expected(prompt, 12);
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model,
                SchedulerOptions.defaults().withMaxSequences(4))) {
            List<GenerationHandle> handles = scheduler.submitChoices(greedy(PROMPT, 12), List.copyOf(listeners));
            assertThat(handles).hasSize(3);
            for (int i = 0; i < 3; i++) {
                GenerationResult result = joinResult(handles.get(i));
                assertThat(result.tokens()).as("choice %d", i).containsExactly(expected);
                assertThat(result.promptTokens()).isEqualTo(prompt.length);
                assertThat(listeners.get(i).tokenIds()).as("choice %d", i).containsExactly(box(expected));
            }
            FakeProcessor processor = model.processor();
            // the first pass holds the prompt of choice 0 alone; the others got it by copy after that pass
            assertThat(processor.callLog().getFirst().sequences()).hasSize(prompt.length).containsOnly(0);
            assertThat(processor.copies()).containsExactly(new FakeProcessor.Copy(1, 0, 1), new FakeProcessor.Copy(1, 0, 2));
            for (FakeProcessor.Call call : processor.callLog().subList(1, processor.callLog().size())) {
                assertThat(call.tokensOf(1)).isLessThanOrEqualTo(1);
                assertThat(call.tokensOf(2)).isLessThanOrEqualTo(1);
            }
            assertThat(scheduler.metrics().promptTokens()).isEqualTo(prompt.length);
            assertThat(scheduler.metrics().generatedTokens()).isEqualTo(3L * expected.length);
            assertThat(scheduler.metrics().requestsSubmitted()).isEqualTo(3);
        }
    }

    /**
     * The fake's logits do not depend on what else is in a batch, so choice {@code i} of a
     * seeded request must draw exactly what a single request with seed {@code seed + i} draws.
     */
    @Test
    void seededChoicesDrawWhatSingleRequestsWithTheSeedsThatFollowDraw() {
        SamplingParams sampling = SamplingParams.builder().maxTokens(16).temperature(1.5).seed(42).build();
        GenerationRequest request = GenerationRequest.of(PROMPT, sampling);
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model,
                SchedulerOptions.defaults().withMaxSequences(4))) {
            List<GenerationHandle> handles = scheduler.submitChoices(request,
                    Collections.nCopies(4, GenerationListener.NONE));
            int[][] choices = new int[4][];
            for (int i = 0; i < 4; i++) {
                choices[i] = joinResult(handles.get(i)).tokens();
            }
            for (int i = 0; i < 4; i++) {
                GenerationRequest single = request.withSampling(sampling.toBuilder().seed(42 + i).build());
                assertThat(joinResult(scheduler.submit(single)).tokens()).as("choice %d", i).containsExactly(choices[i]);
            }
            assertThat(Arrays.stream(choices).map(Arrays::toString).distinct()).hasSize(4);
        }
    }

    /**
     * With a token budget of 4 the prompt takes several passes; cancelling choice 0 after its
     * first leaves the others to compute the prompt themselves, and they still get it right.
     */
    @Test
    void whenTheFirstChoiceEndsBeforeItsPromptIsComputedTheOthersComputeTheirOwn() throws Exception {
        int[] prompt = model.tokenize(PROMPT, true);
        CountDownLatch firstPass = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model,
                SchedulerOptions.defaults().withMaxSequences(4).withMaxBatchTokens(4))) {
            FakeProcessor processor = model.processor();
            processor.hook(call -> {
                if (call == 1) {
                    firstPass.countDown();
                    await(cancelled);
                }
            });
            List<GenerationHandle> handles = scheduler.submitChoices(greedy(PROMPT, 8),
                    Collections.nCopies(3, GenerationListener.NONE));
            assertThat(firstPass.await(Fixtures.HANG_GUARD_SECONDS, TimeUnit.SECONDS)).isTrue();
            handles.getFirst().cancel();
            cancelled.countDown();

            assertThat(joinResult(handles.get(0)).finishReason()).isEqualTo(FinishReason.CANCELLED);
            for (int i = 1; i < 3; i++) {
                assertThat(joinResult(handles.get(i)).tokens()).as("choice %d", i).containsExactly(model.expected(prompt, 8));
            }
            assertThat(processor.copies()).isEmpty();
            assertThat(scheduler.metrics().promptTokens()).isEqualTo(4 + 2L * prompt.length);
        }
    }

    /**
     * Two sequences, one busy: the two choices wait until both are free, and a request submitted
     * after them waits behind them rather than taking the free sequence at once.
     */
    @Test
    void choicesAreAdmittedTogetherAndKeepTheirPlaceInTheQueue() {
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model,
                SchedulerOptions.defaults().withMaxSequences(2))) {
            FakeProcessor processor = model.processor();
            CountDownLatch release = new CountDownLatch(1);
            processor.hook(call -> {
                if (call == 1) {
                    await(release);
                }
            });
            GenerationHandle busy = scheduler.submit(greedy("Bob", 3), event -> order.add("busy " + kind(event)));
            List<GenerationHandle> choices = scheduler.submitChoices(greedy(PROMPT, 20), List.of(
                    event -> order.add("choice0 " + kind(event)), event -> order.add("choice1 " + kind(event))));
            GenerationHandle later = scheduler.submit(greedy("Why", 3), event -> order.add("later " + kind(event)));
            release.countDown();

            joinResult(busy);
            joinResult(later);
            for (GenerationHandle choice : choices) {
                assertThat(joinResult(choice).tokens()).containsExactly(model.expected(model.tokenize(PROMPT, true), 20));
            }
            assertThat(processor.copies()).hasSize(1); // both choices held a sequence when the prompt was done
            assertThat(order.indexOf("later token")).isGreaterThan(order.indexOf("busy end"));
            assertThat(order.indexOf("later token")).isGreaterThan(Math.min(order.indexOf("choice0 end"),
                    order.indexOf("choice1 end")));
        }
    }

    private static String kind(dev.jvmllm.api.GenerationEvent event) {
        return event instanceof dev.jvmllm.api.GenerationEvent.Token ? "token" : "end";
    }

    @Test
    void tooManyOrNoChoicesAndAFullQueueRefuseEveryChoice() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model,
                SchedulerOptions.defaults().withMaxSequences(2).withMaxQueued(1))) {
            assertThatThrownBy(() -> scheduler.submitChoices(greedy(PROMPT, 4), List.of()))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("a request has 1 to 2 choices here (one sequence each, generated together), got 0");
            assertThatThrownBy(() -> scheduler.submitChoices(greedy(PROMPT, 4), Collections.nCopies(3, GenerationListener.NONE)))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("a request has 1 to 2 choices here (one sequence each, generated together), got 3");

            model.processor().hook(call -> await(release));
            GenerationHandle first = scheduler.submit(greedy(PROMPT, 4));
            List<GenerationHandle> two = scheduler.submitChoices(greedy(PROMPT, 4), Collections.nCopies(2, GenerationListener.NONE));
            // 2 sequences + 1 queued place, 3 taken: two more do not fit, and neither is queued
            assertThatThrownBy(() -> scheduler.submitChoices(greedy(PROMPT, 4), Collections.nCopies(2, GenerationListener.NONE)))
                    .isInstanceOf(QueueFullException.class);
            assertThat(scheduler.metrics().requestsSubmitted()).isEqualTo(3);
            assertThat(scheduler.metrics().requestsRejected()).isEqualTo(1);
            release.countDown();
            joinResult(first);
            two.forEach(Fixtures::joinResult);
        } finally {
            release.countDown();
        }
    }

    @Test
    void theSerialSchedulerRunsOneChoiceOnly() {
        try (Scheduler scheduler = new SerialSchedulerProvider().create(model, SchedulerOptions.defaults())) {
            assertThatThrownBy(() -> scheduler.submitChoices(greedy(PROMPT, 4), Collections.nCopies(2, GenerationListener.NONE)))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("a request has 1 to 1 choices here (one sequence each, generated together), got 2");
            List<GenerationHandle> one = scheduler.submitChoices(greedy(PROMPT, 4), List.of(GenerationListener.NONE));
            assertThat(joinResult(one.getFirst()).tokens()).containsExactly(model.expected(model.tokenize(PROMPT, true), 4));
        }
    }

    private static Integer[] box(int[] values) {
        return Arrays.stream(values).boxed().toArray(Integer[]::new);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(Fixtures.HANG_GUARD_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("hung");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
