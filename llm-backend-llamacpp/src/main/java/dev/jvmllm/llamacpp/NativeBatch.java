package dev.jvmllm.llamacpp;

import dev.jvmllm.api.LlmException;
import dev.jvmllm.llamacpp.internal.LlamaLibrary;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A {@code llama_batch} from {@code llama_batch_init} with one sequence id per token, filled
 * through views of its arrays. Not thread-safe: its owner serialises the calls, and calls
 * {@link #free} once, before the arena it was made in closes.
 */
@SuppressWarnings("restricted") // views of llama.cpp's batch memory
final class NativeBatch {
    private static final long N_TOKENS = LlamaLibrary.offset(LlamaLibrary.BATCH, "n_tokens");

    private final LlamaLibrary library;
    private final Arena arena;
    private final MemorySegment batch;
    private final MemorySegment tokens;
    private final MemorySegment positions;
    private final MemorySegment wantOutput;
    private final MemorySegment[] seqIds;

    /**
     * Allocates room for {@code capacity} tokens.
     *
     * @throws LlmException if llama.cpp allocated no arrays (the batch is then freed again)
     */
    NativeBatch(LlamaLibrary library, Arena arena, int capacity) {
        this.library = library;
        this.arena = arena;
        this.batch = library.batchInit(arena, capacity, 0, 1);
        try {
            this.tokens = pointer("token", capacity * JAVA_INT.byteSize());
            this.positions = pointer("pos", capacity * JAVA_INT.byteSize());
            this.wantOutput = pointer("logits", capacity);
            MemorySegment seqIdCounts = pointer("n_seq_id", capacity * JAVA_INT.byteSize());
            MemorySegment seqIdPointers = pointer("seq_id", capacity * ADDRESS.byteSize());
            this.seqIds = new MemorySegment[capacity];
            for (int i = 0; i < capacity; i++) {
                // llama_batch_init gave each token its own array of n_seq_max (1) sequence ids
                seqIds[i] = seqIdPointers.getAtIndex(ADDRESS, i).reinterpret(JAVA_INT.byteSize(), arena, null);
                seqIdCounts.setAtIndex(JAVA_INT, i, 1);
            }
        } catch (RuntimeException e) {
            library.batchFree(batch);
            throw e;
        }
    }

    private MemorySegment pointer(String field, long bytes) {
        MemorySegment address = batch.get(ADDRESS, LlamaLibrary.offset(LlamaLibrary.BATCH, field));
        if (address.equals(MemorySegment.NULL)) {
            throw new LlmException("llama_batch_init returned no " + field + " array");
        }
        return address.reinterpret(bytes, arena, null);
    }

    /** Sets the token at {@code index}; the index must be below the capacity. */
    void set(int index, int token, int position, int sequence, boolean output) {
        tokens.setAtIndex(JAVA_INT, index, token);
        positions.setAtIndex(JAVA_INT, index, position);
        seqIds[index].set(JAVA_INT, 0, sequence);
        wantOutput.set(JAVA_BYTE, index, (byte) (output ? 1 : 0));
    }

    /** The struct for {@code llama_decode} or {@code llama_encode}, holding its first {@code size} tokens. */
    MemorySegment ofSize(int size) {
        batch.set(JAVA_INT, N_TOKENS, size);
        return batch;
    }

    void free() {
        library.batchFree(batch);
    }
}
