package dev.jvmllm.scheduler;

import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.scheduler.fake.FakeModel;
import dev.jvmllm.scheduler.fake.FakeProcessor;
import dev.jvmllm.scheduler.fake.Script;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static dev.jvmllm.scheduler.Fixtures.greedy;
import static dev.jvmllm.scheduler.Fixtures.joinResult;
import static org.assertj.core.api.Assertions.assertThat;

class TimeoutTest {
    private final FakeModel model = new FakeModel(Script.mixing());

    @Test
    void aRequestPastItsDeadlineBeforeItRunsEndsWithTimeout() {
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model, SchedulerOptions.defaults())) {
            GenerationResult result = joinResult(scheduler.submit(greedy("late", 10).withTimeout(Duration.ofNanos(1))));

            assertThat(result.finishReason()).isEqualTo(FinishReason.TIMEOUT);
            assertThat(result.tokens()).isEmpty();
            assertThat(model.processor().calls()).isZero();
        }
    }

    @Test
    void theDefaultTimeoutComesFromTheOptions() {
        Duration nanosecond = Duration.ofNanos(1);
        SchedulerOptions options = SchedulerOptions.defaults().withTimeouts(nanosecond, nanosecond, nanosecond);
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model, options)) {
            assertThat(joinResult(scheduler.submit(greedy("late", 10))).finishReason()).isEqualTo(FinishReason.TIMEOUT);
        }
    }

    @Test
    void aRunningRequestPastItsDeadlineEndsAtTheNextStepAndFreesItsSequence() {
        AtomicLong clock = new AtomicLong();
        CountDownLatch submitted = new CountDownLatch(1);
        // with no prefix cache, freeing the sequence is releasing it
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model,
                SchedulerOptions.defaults().withPrefixCache(false), clock::get)) {
            FakeProcessor processor = model.processor();
            processor.hook(call -> {
                if (call == 1) {
                    CancellationTest.await(submitted);
                } else if (call == 3) {
                    clock.addAndGet(Duration.ofSeconds(2).toNanos()); // the third step takes 2 s
                }
            });
            // first, so that it is in the first step whether or not the other one is
            GenerationHandle hurried = scheduler.submit(greedy("hurried", 100).withTimeout(Duration.ofSeconds(1)));
            GenerationHandle other = scheduler.submit(greedy("patient", 10));
            submitted.countDown();

            GenerationResult result = joinResult(hurried);
            assertThat(result.finishReason()).isEqualTo(FinishReason.TIMEOUT);
            assertThat(result.tokens()).containsExactly(model.expected(model.tokenize("hurried", true), 3));
            assertThat(result.timings().total()).isEqualTo(Duration.ofSeconds(2));
            assertThat(processor.releases()).first().isEqualTo(new FakeProcessor.Release(3, 0));
            assertThat(joinResult(other).tokens()).containsExactly(model.expected(model.tokenize("patient", true), 10));
        }
    }
}
