package dev.jvmllm.api;

import dev.jvmllm.spi.SchedulerProvider;

import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** Finds a {@link SchedulerProvider} with {@link ServiceLoader} and starts schedulers with it. */
public final class Schedulers {

    private Schedulers() {
    }

    /** Starts the installed scheduler of highest priority (the continuous-batching one). */
    public static Scheduler create(Model model, SchedulerOptions options) {
        SchedulerProvider provider = providers().stream()
                .max(Comparator.comparingInt(SchedulerProvider::priority))
                .orElseThrow(() -> new LlmException("no scheduler is installed: add llm-scheduler to the class path"));
        return provider.create(model, options);
    }

    /** Starts the installed scheduler of that name. */
    public static Scheduler create(String name, Model model, SchedulerOptions options) {
        return providers().stream()
                .filter(p -> p.name().equalsIgnoreCase(name))
                .findFirst()
                .orElseThrow(() -> new LlmException("no scheduler named '" + name + "' is installed (installed: "
                        + providers().stream().map(SchedulerProvider::name).collect(Collectors.joining(", ")) + ")"))
                .create(model, options);
    }

    private static List<SchedulerProvider> providers() {
        return ServiceLoader.load(SchedulerProvider.class).stream().map(ServiceLoader.Provider::get).toList();
    }
}
