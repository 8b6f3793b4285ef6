package dev.jvmllm.scheduler;

import dev.jvmllm.api.Model;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.spi.SchedulerProvider;

/** Provides the {@link ContinuousBatchingScheduler} as {@code continuous}, the default (priority 10). */
public final class ContinuousSchedulerProvider implements SchedulerProvider {

    @Override
    public String name() {
        return "continuous";
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public Scheduler create(Model model, SchedulerOptions options) {
        return new ContinuousBatchingScheduler(model, options);
    }
}
