package dev.jvmllm.scheduler.internal;

import java.util.List;

/**
 * What other threads ask of the engine thread. Commands are applied between steps, in the order
 * they were posted, and each is idempotent: cancelling twice, or after the end, changes nothing.
 */
sealed interface Command {

    /** Queue validated requests: one, or the choices of one that are admitted together. */
    record Submit(List<ScheduledRequest> requests) implements Command {
    }

    /** End a request with {@code CANCELLED} and free its sequence. */
    record Cancel(ScheduledRequest request) implements Command {
    }

    /** Admit nothing new; finish the work until the deadline (on the engine's clock), then cancel the rest. */
    record Shutdown(long deadlineNanos) implements Command {
    }
}
