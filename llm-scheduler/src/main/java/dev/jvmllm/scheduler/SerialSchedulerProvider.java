package dev.jvmllm.scheduler;

import dev.jvmllm.api.Model;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.spi.SchedulerProvider;

/** Provides the {@link SerialScheduler} as {@code serial} (priority 0: only when asked for by name). */
public final class SerialSchedulerProvider implements SchedulerProvider {

    @Override
    public String name() {
        return "serial";
    }

    @Override
    public Scheduler create(Model model, SchedulerOptions options) {
        return new SerialScheduler(model, options);
    }
}
