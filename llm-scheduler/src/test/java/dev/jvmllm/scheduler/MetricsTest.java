package dev.jvmllm.scheduler;

import dev.jvmllm.api.QueueFullException;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerMetrics;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.scheduler.fake.FakeModel;
import dev.jvmllm.scheduler.fake.Script;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.CountDownLatch;

import static dev.jvmllm.scheduler.Fixtures.greedy;
import static dev.jvmllm.scheduler.Fixtures.joinResult;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetricsTest {

    @ParameterizedTest
    @ValueSource(strings = {"continuous", "serial"})
    void countersAddUpToWhatRan(String kind) {
        FakeModel model = new FakeModel(Script.mixing());
        SchedulerOptions options = SchedulerOptions.defaults().withMaxSequences(2).withMaxQueued(1)
                .withPrefixCache(false); // every prompt computed in full: the counts below
        try (Scheduler scheduler = kind.equals("serial")
                ? new SerialSchedulerProvider().create(model, options) : new ContinuousBatchingScheduler(model, options)) {
            CountDownLatch submitted = new CountDownLatch(1);
            model.processor().hook(call -> CancellationTest.await(submitted));
            var a = scheduler.submit(greedy("ab", 5)); // 3 prompt tokens
            var b = scheduler.submit(greedy("abcd", 7)); // 5 prompt tokens
            int capacity = kind.equals("serial") ? 2 : 3;
            if (capacity == 3) {
                var c = scheduler.submit(greedy("x", 2)); // 2 prompt tokens
                assertThatThrownBy(() -> scheduler.submit(greedy("refused", 1))).isInstanceOf(QueueFullException.class);
                submitted.countDown();
                joinResult(c);
            } else {
                assertThatThrownBy(() -> scheduler.submit(greedy("refused", 1))).isInstanceOf(QueueFullException.class);
                submitted.countDown();
            }
            joinResult(a);
            joinResult(b);

            SchedulerMetrics metrics = scheduler.metrics();
            int promptTokens = capacity == 3 ? 3 + 5 + 2 : 3 + 5;
            int generated = capacity == 3 ? 5 + 7 + 2 : 5 + 7;
            assertThat(metrics.requestsSubmitted()).isEqualTo(capacity);
            assertThat(metrics.requestsRejected()).isEqualTo(1);
            assertThat(metrics.requestsFinished()).isEqualTo(capacity);
            assertThat(metrics.promptTokens()).isEqualTo(promptTokens);
            assertThat(metrics.generatedTokens()).isEqualTo(generated);
            assertThat(metrics.steps()).isEqualTo(model.processor().calls());
            assertThat(metrics.queueTime().count()).isEqualTo(capacity);
            assertThat(metrics.timeToFirstToken().count()).isEqualTo(capacity);
            assertThat(metrics.interTokenLatency().count()).isEqualTo(generated - capacity);
            assertThat(metrics.timeToFirstToken().max()).isPositive();
            assertThat(metrics.endToEndLatency().count()).isEqualTo(capacity);
            assertThat(metrics.requestPromptTokens().count()).isEqualTo(capacity);
            assertThat(metrics.requestPromptTokens().sum()).isEqualTo(promptTokens);
            assertThat(metrics.requestGeneratedTokens().sum()).isEqualTo(generated);
            // prompts of 3 and 5 tokens (and 2): bucket "<= 5" holds both of the first two
            assertThat(metrics.requestPromptTokens().counts()[2]).isEqualTo(2);
            assertThat(metrics.queueDepth()).isZero();
            assertThat(metrics.activeSequences()).isZero();
        }
    }
}
