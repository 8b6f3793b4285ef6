package dev.jvmllm.scheduler;

import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerClosedException;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.scheduler.fake.FakeModel;
import dev.jvmllm.scheduler.fake.FakeProcessor;
import dev.jvmllm.scheduler.fake.Script;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static dev.jvmllm.scheduler.Fixtures.greedy;
import static dev.jvmllm.scheduler.Fixtures.joinResult;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ShutdownTest {
    private final FakeModel model = new FakeModel(Script.mixing());

    private Scheduler start(String kind, SchedulerOptions options) {
        return kind.equals("serial") ? new SerialSchedulerProvider().create(model, options) : new ContinuousBatchingScheduler(model, options);
    }

    @ParameterizedTest
    @ValueSource(strings = {"continuous", "serial"})
    void aShutDownSchedulerRefusesRequestsAndClosesItsProcessorButNotTheModel(String kind) {
        Scheduler scheduler = start(kind, SchedulerOptions.defaults());
        scheduler.shutdown(Duration.ofSeconds(1));

        assertThatThrownBy(() -> scheduler.submit(greedy("too late", 3)))
                .isInstanceOf(SchedulerClosedException.class)
                .hasMessage("the scheduler is shut down and accepts no more requests");
        assertThat(model.processor().isClosed()).isTrue();
        assertThat(model.isClosed()).isFalse();
        scheduler.shutdown(Duration.ZERO); // idempotent
        scheduler.close();
        assertThat(scheduler.metrics().requestsSubmitted()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"continuous", "serial"})
    void withGraceRunningAndQueuedRequestsFinish(String kind) {
        Scheduler scheduler = start(kind, SchedulerOptions.defaults().withMaxSequences(1));
        List<GenerationHandle> handles = List.of(
                scheduler.submit(greedy("one", 20)), scheduler.submit(greedy("two", 20)), scheduler.submit(greedy("three", 20)));

        scheduler.shutdown(Duration.ofMinutes(5));

        for (GenerationHandle handle : handles) {
            assertThat(handle.result()).isDone();
            GenerationResult result = joinResult(handle);
            assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(result.completionTokens()).isEqualTo(20);
        }
        assertThat(model.processor().isClosed()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"continuous", "serial"})
    void afterTheGraceEverythingLeftIsCancelled(String kind) {
        Scheduler scheduler = start(kind, SchedulerOptions.defaults().withMaxSequences(1));
        FakeProcessor processor = model.processor();
        CountDownLatch submitted = new CountDownLatch(1);
        // shut down from the loop's own thread, during the second step: a known point of the work
        processor.hook(call -> {
            if (call == 1) {
                CancellationTest.await(submitted);
            } else if (call == 2) {
                scheduler.shutdown(Duration.ZERO);
            }
        });
        GenerationHandle running = scheduler.submit(greedy("running", 50));
        GenerationHandle queued = scheduler.submit(greedy("queued", 50));
        submitted.countDown();

        GenerationResult first = joinResult(running);
        assertThat(first.finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(first.completionTokens()).isEqualTo(2);
        GenerationResult second = joinResult(queued);
        assertThat(second.finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(second.tokens()).isEmpty();
        scheduler.shutdown(Duration.ZERO); // waits for the loop to end
        assertThat(processor.calls()).isEqualTo(2);
        assertThat(processor.isClosed()).isTrue();
        assertThat(model.isClosed()).isFalse();
    }
}
