package dev.jvmllm.scheduler;

import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.scheduler.fake.FakeModel;
import dev.jvmllm.scheduler.fake.Script;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

import static dev.jvmllm.scheduler.Fixtures.greedy;
import static dev.jvmllm.scheduler.Fixtures.joinResult;
import static org.assertj.core.api.Assertions.assertThat;

/** With nothing to do the engine thread is parked: it uses no CPU and a submit wakes it. */
class IdleEngineTest {

    @Test
    void theEngineThreadParksWhenTheWorkIsDoneAndWakesForTheNextRequest() throws Exception {
        FakeModel model = new FakeModel(Script.mixing());
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model, SchedulerOptions.defaults())) {
            Thread engine = scheduler.engineThread();
            awaitParked(engine);

            assertThat(joinResult(scheduler.submit(greedy("wake up", 16))).completionTokens()).isEqualTo(16);
            awaitParked(engine);

            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long cpuBefore = threads.getThreadCpuTime(engine.threadId());
            Thread.sleep(200);
            assertThat(threads.getThreadCpuTime(engine.threadId())).as("CPU time used while idle").isEqualTo(cpuBefore);
            assertThat(engine.getState()).isEqualTo(Thread.State.WAITING);

            assertThat(joinResult(scheduler.submit(greedy("again", 4))).completionTokens()).isEqualTo(4);
        }
    }

    /** Waits until the thread blocks (it may still be finishing the step that completed the future). */
    private static void awaitParked(Thread thread) throws InterruptedException {
        long giveUp = System.nanoTime() + Fixtures.HANG_GUARD_SECONDS * 1_000_000_000L;
        while (thread.getState() != Thread.State.WAITING) {
            assertThat(System.nanoTime() - giveUp).as("engine thread never parked").isNegative();
            Thread.sleep(1);
        }
    }
}
