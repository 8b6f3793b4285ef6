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
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Out of work, the engine thread looks for the next request for {@code idleSpin}, then parks: it
 * uses no CPU and a submit wakes it.
 */
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

    @Test
    void aRequestThatComesWhileTheEngineSpinsStartsWithoutWakingIt() throws Exception {
        assumeTrue(Runtime.getRuntime().availableProcessors() > 1, "the engine spins only with more than one processor");
        FakeModel model = new FakeModel(Script.mixing());
        SchedulerOptions options = SchedulerOptions.defaults().withIdleSpin(SchedulerOptions.MAX_IDLE_SPIN);
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model, options)) {
            Thread engine = scheduler.engineThread();
            awaitParked(engine);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long parksBefore = threads.getThreadInfo(engine.threadId()).getWaitedCount();

            int requests = 20;
            for (int i = 0; i < requests; i++) {
                assertThat(joinResult(scheduler.submit(greedy("request " + i, 2))).completionTokens()).isEqualTo(2);
            }

            // without the spin the engine parks after every request, long before its caller is back
            // with the next one; with it, only a caller that took longer than the spin finds it parked
            long parks = threads.getThreadInfo(engine.threadId()).getWaitedCount() - parksBefore;
            assertThat(parks).as("times the engine parked between %d back-to-back requests", requests)
                    .isLessThan(requests / 2);
            awaitParked(engine);
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
