package dev.jvmllm.scheduler;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.scheduler.fake.FakeModel;
import dev.jvmllm.scheduler.fake.FakeProcessor;
import dev.jvmllm.scheduler.fake.Script;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.jvmllm.scheduler.Fixtures.greedy;
import static dev.jvmllm.scheduler.Fixtures.joinResult;
import static org.assertj.core.api.Assertions.assertThat;

class CancellationTest {
    /** Freeing a sequence means releasing it here: none is kept for a prefix cache. */
    private static final SchedulerOptions NO_CACHE = SchedulerOptions.defaults().withPrefixCache(false);
    private final FakeModel model = new FakeModel(Script.mixing());

    @Test
    void aCancelledRequestFreesItsSequenceWithinOneStepAndTheOthersAreUnaffected() throws Exception {
        CountDownLatch allSubmitted = new CountDownLatch(1);
        AtomicReference<GenerationHandle> victim = new AtomicReference<>();
        AtomicInteger cancelledAtCall = new AtomicInteger();
        Map<Integer, Integer> activeByCall = new ConcurrentHashMap<>();
        List<GenerationHandle> handles = new ArrayList<>();
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model, NO_CACHE)) {
            FakeProcessor processor = model.processor();
            processor.hook(call -> await(allSubmitted));
            handles.add(scheduler.submit(greedy(Fixtures.PROMPTS.get(0), 30), event ->
                    activeByCall.put(processor.calls(), scheduler.metrics().activeSequences())));
            victim.set(scheduler.submit(greedy(Fixtures.PROMPTS.get(1), 30), event -> {
                if (event instanceof GenerationEvent.Token token && token.index() == 5) {
                    cancelledAtCall.set(processor.calls());
                    victim.get().cancel();
                }
            }));
            handles.add(victim.get());
            handles.add(scheduler.submit(greedy(Fixtures.PROMPTS.get(2), 30)));
            handles.add(scheduler.submit(greedy(Fixtures.PROMPTS.get(3), 30)));
            allSubmitted.countDown();

            GenerationResult cancelled = joinResult(victim.get());
            assertThat(cancelled.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(cancelled.tokens()).containsExactly(model.expected(model.tokenize(Fixtures.PROMPTS.get(1), true), 6));
            for (int i : new int[] {0, 2, 3}) {
                assertThat(joinResult(handles.get(i)).tokens()).containsExactly(alone(Fixtures.PROMPTS.get(i), 30));
            }

            int step = cancelledAtCall.get();
            int sequence = 1;
            assertThat(processor.releases()).contains(new FakeProcessor.Release(step, sequence));
            assertThat(processor.callLog().get(step).tokensOf(sequence)).as("the next step").isZero();
            assertThat(activeByCall.get(step)).isEqualTo(4);
            assertThat(activeByCall.get(step + 1)).isEqualTo(3);
        }
    }

    @Test
    void aWaitingRequestCancelledFromAnotherThreadNeverRuns() {
        CountDownLatch release = new CountDownLatch(1);
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model,
                NO_CACHE.withMaxSequences(1))) {
            FakeProcessor processor = model.processor();
            processor.hook(call -> await(release));
            GenerationHandle running = scheduler.submit(greedy("first", 8));
            RecordingListener listener = new RecordingListener();
            GenerationHandle waiting = scheduler.submit(greedy("second", 8), listener);

            waiting.cancel();
            waiting.cancel(); // idempotent
            release.countDown();

            GenerationResult result = joinResult(waiting);
            assertThat(result.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(result.tokens()).isEmpty();
            assertThat(listener.events()).containsExactly(new GenerationEvent.Finished(result));
            assertThat(joinResult(running).completionTokens()).isEqualTo(8);
            assertThat(processor.callLog()).hasSize(8);
            assertThat(scheduler.metrics().promptTokens()).isEqualTo(6);
        }
    }

    @Test
    void cancellingTheFutureCancelsTheGeneration() throws Exception {
        CountDownLatch finished = new CountDownLatch(1);
        AtomicReference<GenerationResult> last = new AtomicReference<>();
        AtomicReference<GenerationHandle> handle = new AtomicReference<>();
        CountDownLatch submitted = new CountDownLatch(1);
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model, NO_CACHE)) {
            handle.set(scheduler.submit(greedy("abc", 200), event -> {
                switch (event) {
                    case GenerationEvent.Token token when token.index() == 3 -> {
                        await(submitted);
                        handle.get().result().cancel(true);
                    }
                    case GenerationEvent.Finished end -> {
                        last.set(end.result());
                        finished.countDown();
                    }
                    default -> { }
                }
            }));
            submitted.countDown();

            assertThat(finished.await(Fixtures.HANG_GUARD_SECONDS, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(last.get().finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(last.get().completionTokens()).isEqualTo(4);
            assertThat(handle.get().result()).isCancelled();
            assertThat(model.processor().releases()).containsExactly(new FakeProcessor.Release(4, 0));
        }
    }

    private int[] alone(String prompt, int maxTokens) {
        try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            return new DirectGenerator(processor).generate(greedy(prompt, maxTokens)).tokens();
        }
    }

    static void await(CountDownLatch latch) {
        try {
            if (!latch.await(Fixtures.HANG_GUARD_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new AssertionError("hung waiting for the test");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
