package dev.jvmllm.api;

/**
 * Runs forward passes over tokens of many sequences at once and keeps each sequence's KV cache
 * between passes. This is the seam between schedulers and backends: a scheduler (or an
 * application driving the direct path) fills a {@link BatchInput}, calls {@link #process}, reads
 * the logit rows it asked for, and {@link #releaseSequence releases} a sequence when it is done.
 *
 * <p>Not thread-safe: one thread drives a processor. Every value in a batch is checked before
 * native code sees it; a bad one raises {@link InvalidRequestException} and leaves the
 * processor and all sequences as they were.
 */
public interface BatchProcessor extends AutoCloseable {

    /** The model this processor runs. */
    Model model();

    /** The options it was created with, {@link ProcessorOptions#contextSize()} resolved to a real size. */
    ProcessorOptions options();

    /**
     * Runs one forward pass. Within a sequence, tokens must come in position order and continue
     * exactly where the sequence stands ({@link #nextPosition}); positions stay below the context size.
     *
     * @return the logit rows of the tokens that asked for them, in input order; valid until the
     *         next call of {@code process}, {@code releaseSequence} or {@code close}
     * @throws InvalidRequestException for a token id, sequence id or position out of range, a batch
     *                                 that is empty or larger than {@link ProcessorOptions#maxBatchTokens()}
     */
    BatchOutput process(BatchInput input);

    /** The position the next token of this sequence must have: how many tokens it holds. */
    int nextPosition(int sequence);

    /**
     * Makes {@code target} hold what {@code source} holds, as if its tokens had been computed for
     * it too: how the choices of one prompt share a single prefill. The target must be empty (never
     * used, or released); afterwards the two go on independently. Where the KV cache can share
     * cells between sequences nothing is copied; otherwise the source's cache is.
     *
     * @throws InvalidRequestException for a sequence id out of range, {@code source == target}, or
     *                                 a target that holds tokens
     */
    void copySequence(int source, int target);

    /** Forgets a sequence's tokens and frees its KV cache; the id can be used again at position 0. */
    void releaseSequence(int sequence);

    /**
     * Keeps the first {@code length} tokens of a sequence and forgets the rest, so that its next
     * token goes at position {@code length}: how a cached prompt is reused up to where a new one
     * differs. Returns false, changing nothing, where the KV cache no longer holds what the
     * tokens after {@code length} would need (a sliding-window cache that dropped the cells
     * before its window); the caller then releases the sequence and computes it anew.
     *
     * @throws InvalidRequestException for a sequence id out of range, or a length outside
     *                                 {@code 0 .. nextPosition(sequence)}
     */
    boolean truncateSequence(int sequence, int length);

    /** Releases the KV cache and the native context. Idempotent. */
    @Override
    void close();
}
