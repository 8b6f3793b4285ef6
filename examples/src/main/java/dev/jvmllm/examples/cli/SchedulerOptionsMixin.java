package dev.jvmllm.examples.cli;

import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.StepOrder;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

/** The scheduler's options that serve and bench share. */
public final class SchedulerOptionsMixin {
    @Option(names = "--idle-spin-us", paramLabel = "US",
            description = "how long the engine looks for the next request before it sleeps, 0 to 10000 µs;"
                    + " default: 1000 (SchedulerOptions.idleSpin)")
    Long idleSpinMicros;

    @Option(names = "--no-prefix-cache",
            description = "compute every prompt in full instead of reusing the KV cache of a finished request that"
                    + " began the same way (SchedulerOptions.prefixCache)")
    boolean noPrefixCache;

    @Option(names = "--step-order", paramLabel = "ORDER", defaultValue = "DECODE_FIRST",
            description = "who gets a step's token budget first: ${COMPLETION-CANDIDATES}; default: ${DEFAULT-VALUE}"
                    + " (SchedulerOptions.stepOrder)")
    StepOrder stepOrder;

    /** {@code options} with what was given on the command line. */
    public SchedulerOptions applyTo(SchedulerOptions options) {
        SchedulerOptions applied = (noPrefixCache ? options.withPrefixCache(false) : options).withStepOrder(stepOrder);
        return idleSpinMicros == null ? applied : applied.withIdleSpin(Duration.of(idleSpinMicros, ChronoUnit.MICROS));
    }
}
