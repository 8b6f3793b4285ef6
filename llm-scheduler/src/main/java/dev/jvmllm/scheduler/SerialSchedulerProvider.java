package dev.jvmllm.scheduler;

import dev.jvmllm.api.Model;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.spi.SchedulerProvider;

/**
 * Provides {@code serial} (priority 0: only when asked for by name): one request at a time, on the
 * same engine as {@code continuous} with a single sequence, as a reference that never batches.
 */
public final class SerialSchedulerProvider implements SchedulerProvider {

    @Override
    public String name() {
        return "serial";
    }

    @Override
    public Scheduler create(Model model, SchedulerOptions options) {
        return new ContinuousBatchingScheduler(model, options.withMaxSequences(1));
    }
}
