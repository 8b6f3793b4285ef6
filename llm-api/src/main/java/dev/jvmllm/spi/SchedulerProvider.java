package dev.jvmllm.spi;

import dev.jvmllm.api.Model;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;

/**
 * A scheduler implementation, found with {@link java.util.ServiceLoader} (listed in
 * {@code META-INF/services/dev.jvmllm.spi.SchedulerProvider}).
 */
public interface SchedulerProvider {

    /** A short stable name, such as {@code continuous}. */
    String name();

    /** Higher wins when the user names no scheduler. */
    default int priority() {
        return 0;
    }

    /** Starts a scheduler over the model; the scheduler owns the processors it creates. */
    Scheduler create(Model model, SchedulerOptions options);
}
