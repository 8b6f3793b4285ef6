package dev.jvmllm.api;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchedulerOptionsTest {

    @Test
    void theIdleSpinIsBetweenZeroAndItsMaximum() {
        assertThat(SchedulerOptions.defaults().idleSpin()).isEqualTo(Duration.ofMillis(1));
        assertThat(SchedulerOptions.defaults().withIdleSpin(Duration.ZERO).idleSpin()).isZero();
        assertThat(SchedulerOptions.defaults().withIdleSpin(SchedulerOptions.MAX_IDLE_SPIN).idleSpin())
                .isEqualTo(SchedulerOptions.MAX_IDLE_SPIN);
        assertThatThrownBy(() -> SchedulerOptions.defaults().withIdleSpin(Duration.ofNanos(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("idleSpin must be between 0 and 10 ms, got PT-0.000000001S");
        assertThatThrownBy(() -> SchedulerOptions.defaults().withIdleSpin(Duration.ofMillis(11)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("idleSpin must be between 0 and 10 ms, got PT0.011S");
    }

    @Test
    void everyWitherKeepsTheOtherSettings() {
        SchedulerOptions options = SchedulerOptions.defaults().withStepOrder(StepOrder.ADMISSION_ORDER).withPrefixCache(false).withIdleSpin(Duration.ofMillis(3))
                .withMaxSequences(4).withMaxQueued(2).withContextSize(256).withMaxBatchTokens(64).withThreads(2)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(4));
        assertThat(options).isEqualTo(new SchedulerOptions(4, 2, 256, 64, 2, Duration.ofSeconds(2),
                Duration.ofSeconds(3), Duration.ofSeconds(4), Duration.ofMillis(3), false,
                StepOrder.ADMISSION_ORDER));
    }
}
