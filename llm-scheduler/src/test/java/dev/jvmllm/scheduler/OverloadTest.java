package dev.jvmllm.scheduler;

import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.QueueFullException;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerMetrics;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.scheduler.fake.FakeModel;
import dev.jvmllm.scheduler.fake.Script;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.jvmllm.scheduler.Fixtures.greedy;
import static dev.jvmllm.scheduler.Fixtures.joinResult;
import static org.assertj.core.api.Assertions.assertThat;

/** A full queue refuses at once; everything accepted completes. */
class OverloadTest {

    @ParameterizedTest
    @ValueSource(strings = {"continuous", "serial"})
    void theExcessOfThirtyTwoSimultaneousSubmitsIsRefusedAtOnce(String kind) throws Exception {
        FakeModel model = new FakeModel(Script.mixing());
        SchedulerOptions options = SchedulerOptions.defaults().withMaxSequences(2).withMaxQueued(4);
        int capacity = kind.equals("serial") ? 1 + 4 : 2 + 4;
        CountDownLatch allTried = new CountDownLatch(1);
        ConcurrentLinkedQueue<GenerationHandle> accepted = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<QueueFullException> refused = new ConcurrentLinkedQueue<>();
        try (Scheduler scheduler = kind.equals("serial")
                ? new SerialSchedulerProvider().create(model, options) : new ContinuousBatchingScheduler(model, options)) {
            // the model is stuck in its first step until every submit has returned
            model.processor().hook(call -> CancellationTest.await(allTried));
            ExecutorService threads = Executors.newFixedThreadPool(4);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> submitters = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                submitters.add(threads.submit(() -> {
                    CancellationTest.await(start);
                    for (int i = 0; i < 8; i++) {
                        try {
                            accepted.add(scheduler.submit(greedy("thread " + thread + " request " + i, 6)));
                        } catch (QueueFullException e) {
                            refused.add(e);
                        }
                    }
                }));
            }
            start.countDown();
            for (Future<?> submitter : submitters) {
                submitter.get(Fixtures.HANG_GUARD_SECONDS, TimeUnit.SECONDS);
            }
            threads.shutdown();

            assertThat(accepted).hasSize(capacity);
            assertThat(refused).hasSize(32 - capacity);
            assertThat(scheduler.metrics().requestsRejected()).isEqualTo(32 - capacity);
            allTried.countDown();
            for (GenerationHandle handle : accepted) {
                GenerationResult result = joinResult(handle);
                assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
                assertThat(result.completionTokens()).isEqualTo(6);
            }
            SchedulerMetrics metrics = scheduler.metrics();
            assertThat(metrics.requestsSubmitted()).isEqualTo(capacity);
            assertThat(metrics.requestsFinished()).isEqualTo(capacity);
            assertThat(metrics.queueDepth()).isZero();
            // with the backlog gone, there is room again
            assertThat(joinResult(scheduler.submit(greedy("again", 2))).completionTokens()).isEqualTo(2);
        }
    }
}
