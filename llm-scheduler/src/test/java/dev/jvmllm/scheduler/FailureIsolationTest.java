package dev.jvmllm.scheduler;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.scheduler.fake.FakeModel;
import dev.jvmllm.scheduler.fake.FakeProcessor;
import dev.jvmllm.scheduler.fake.Script;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.jvmllm.scheduler.Fixtures.greedy;
import static dev.jvmllm.scheduler.Fixtures.joinResult;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A failure ends the requests it concerns; the loop and everyone else go on. */
class FailureIsolationTest {
    private final FakeModel model = new FakeModel(Script.mixing());

    @Test
    void aListenerThatThrowsCancelsOnlyItsOwnRequest() {
        CountDownLatch submitted = new CountDownLatch(1);
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model, SchedulerOptions.defaults())) {
            model.processor().hook(call -> CancellationTest.await(submitted));
            GenerationHandle before = scheduler.submit(greedy("before", 12));
            RecordingListener events = new RecordingListener();
            GenerationHandle faulty = scheduler.submit(greedy("faulty", 12), event -> {
                events.onEvent(event);
                if (event instanceof GenerationEvent.Token token && token.index() == 3) {
                    throw new IllegalStateException("listener bug");
                }
            });
            GenerationHandle after = scheduler.submit(greedy("after", 12));
            submitted.countDown();

            GenerationResult result = joinResult(faulty);
            assertThat(result.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(result.tokens()).containsExactly(model.expected(model.tokenize("faulty", true), 4));
            assertThat(events.last()).isEqualTo(new GenerationEvent.Finished(result));
            assertThat(joinResult(before).tokens()).containsExactly(alone("before", 12));
            assertThat(joinResult(after).tokens()).containsExactly(alone("after", 12));
        }
    }

    @Test
    void aFailedForwardPassFailsItsRequestsAndTheLoopGoesOn() throws Exception {
        CountDownLatch submitted = new CountDownLatch(1);
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model, SchedulerOptions.defaults())) {
            FakeProcessor processor = model.processor();
            processor.hook(call -> {
                if (call == 1) {
                    CancellationTest.await(submitted);
                } else if (call == 3) {
                    throw new IllegalStateException("device lost");
                }
            });
            RecordingListener listener = new RecordingListener();
            GenerationHandle first = scheduler.submit(greedy("first", 12), listener);
            GenerationHandle second = scheduler.submit(greedy("second", 12));
            submitted.countDown();

            for (GenerationHandle failed : new GenerationHandle[] {first, second}) {
                assertThatThrownBy(() -> failed.result().get(Fixtures.HANG_GUARD_SECONDS, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(LlmException.class)
                        .hasMessage("the forward pass failed: java.lang.IllegalStateException: device lost");
            }
            assertThat(listener.last()).isInstanceOf(GenerationEvent.Failed.class);
            assertThat(listener.tokenIds()).hasSize(2);

            GenerationResult next = joinResult(scheduler.submit(greedy("next", 12)));
            assertThat(next.tokens()).containsExactly(alone("next", 12));
            assertThat(processor.releases()).extracting(FakeProcessor.Release::afterCall).startsWith(3, 3);
            assertThat(scheduler.metrics().requestsFinished()).isEqualTo(3);
        }
    }

    private int[] alone(String prompt, int maxTokens) {
        try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            return new DirectGenerator(processor).generate(greedy(prompt, maxTokens)).tokens();
        }
    }
}
