package dev.jvmllm.api;

/** In what order the running requests of a scheduler step get its token budget ({@link SchedulerOptions#maxBatchTokens()}). */
public enum StepOrder {
    /**
     * Requests that decode (one token behind) first, then prompts, oldest first: no stream's next
     * token waits for a prompt, and a long prompt is read in chunks of what is left. The default.
     */
    DECODE_FIRST,
    /**
     * Every request in admission order, whatever it needs: the oldest prompt is read at the full
     * budget even while others decode (prefill first), which brings new requests their first
     * token sooner and holds the running streams' next tokens back meanwhile.
     */
    ADMISSION_ORDER
}
