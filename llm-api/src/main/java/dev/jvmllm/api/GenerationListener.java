package dev.jvmllm.api;

/**
 * Receives a generation's events as they happen. Called from the engine's thread: keep it short
 * and never block (hand the event to another thread, e.g. through a queue, for slow work).
 * An exception thrown here cancels the generation.
 */
@FunctionalInterface
public interface GenerationListener {

    void onEvent(GenerationEvent event);

    /** A listener that ignores everything (use the handle's future). */
    GenerationListener NONE = event -> { };
}
