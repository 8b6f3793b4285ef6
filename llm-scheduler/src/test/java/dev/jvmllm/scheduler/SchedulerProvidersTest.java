package dev.jvmllm.scheduler;

import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.scheduler.fake.FakeModel;
import dev.jvmllm.scheduler.fake.Script;
import org.junit.jupiter.api.Test;

import static dev.jvmllm.scheduler.Fixtures.greedy;
import static dev.jvmllm.scheduler.Fixtures.joinResult;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Both schedulers are found through the SPI, and give the same tokens. */
class SchedulerProvidersTest {
    private final FakeModel model = new FakeModel(Script.mixing());

    @Test
    void theContinuousSchedulerIsTheDefault() {
        try (Scheduler scheduler = Schedulers.create(model, SchedulerOptions.defaults())) {
            assertThat(scheduler).isInstanceOf(ContinuousBatchingScheduler.class);
            assertThat(scheduler.model()).isSameAs(model);
        }
    }

    @Test
    void eachIsFoundByName() {
        try (Scheduler serial = Schedulers.create("serial", model, SchedulerOptions.defaults());
             Scheduler continuous = Schedulers.create("CONTINUOUS", model, SchedulerOptions.defaults())) {
            assertThat(serial).isInstanceOf(ContinuousBatchingScheduler.class);
            assertThat(serial.maxSequences()).isEqualTo(1);
            assertThat(continuous).isInstanceOf(ContinuousBatchingScheduler.class);
            assertThat(joinResult(serial.submit(greedy("same", 9))).tokens())
                    .containsExactly(joinResult(continuous.submit(greedy("same", 9))).tokens());
        }
        assertThatThrownBy(() -> Schedulers.create("nope", model, SchedulerOptions.defaults()))
                .isInstanceOf(LlmException.class)
                .hasMessageContaining("continuous").hasMessageContaining("serial");
    }
}
