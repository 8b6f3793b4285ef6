package dev.jvmllm.scheduler.internal;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.FinishReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The generations that hold a sequence of the processor, in the order they were admitted, and
 * which sequence ids are free. Admission order is planning order, so the oldest prompt gets the
 * token budget first. Owned by one thread.
 */
public final class ActiveSequences {
    private static final Logger log = LoggerFactory.getLogger(ActiveSequences.class);

    private final Generation[] members;
    private final boolean[] inUse;
    private int size;

    /** @param capacity how many sequences the processor holds (ids {@code 0 .. capacity - 1}) */
    public ActiveSequences(int capacity) {
        members = new Generation[capacity];
        inUse = new boolean[capacity];
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** How many sequence ids are free. */
    public int free() {
        return members.length - size;
    }

    public boolean isFull() {
        return size == members.length;
    }

    /** The {@code index}-th in admission order. */
    public Generation get(int index) {
        return members[index];
    }

    /** Gives the generation the lowest free sequence id and appends it. */
    public void admit(Generation generation) {
        if (isFull()) {
            throw new IllegalStateException("all " + members.length + " sequences are in use");
        }
        int id = 0;
        while (inUse[id]) {
            id++;
        }
        admit(generation, id);
    }

    /** Gives the generation that free sequence id and appends it. */
    public void admit(Generation generation, int id) {
        if (inUse[id]) {
            throw new IllegalStateException("sequence " + id + " is in use");
        }
        inUse[id] = true;
        generation.start(id);
        members[size++] = generation;
    }

    /** Whether a generation holds the sequence id. */
    public boolean isInUse(int id) {
        return inUse[id];
    }

    /**
     * Removes the {@code index}-th, keeping the order of the rest, and frees its sequence id
     * (the caller releases the processor's sequence).
     */
    public Generation removeAt(int index) {
        Generation removed = members[index];
        System.arraycopy(members, index + 1, members, index, size - index - 1);
        members[--size] = null;
        inUse[removed.sequence()] = false;
        return removed;
    }

    /** Ends the generations past their deadline with {@code TIMEOUT}, or, when {@code cancelAll}, every one with {@code CANCELLED}. */
    public void endOverdue(long now, boolean cancelAll) {
        for (int i = 0; i < size; i++) {
            Generation generation = members[i];
            if (cancelAll) {
                generation.stop(FinishReason.CANCELLED, now);
            } else if (generation.isOverdue(now)) {
                generation.stop(FinishReason.TIMEOUT, now);
            }
        }
    }

    /**
     * Removes the generations that have ended, releases their sequences in the processor unless
     * {@code kept} keeps them (for the prefix cache), and hands each to {@code retired}: a
     * sequence is free again before anyone hears of its end.
     */
    public void retireEnded(BatchProcessor processor, Predicate<Generation> kept, Consumer<Generation> retired) {
        for (int i = size - 1; i >= 0; i--) {
            Generation generation = members[i];
            if (generation.isEnded()) {
                removeAt(i);
                if (!kept.test(generation)) {
                    release(processor, generation.sequence());
                }
                retired.accept(generation);
            }
        }
    }

    /** Releases a sequence in the processor; a failure is logged, the id stays usable. */
    public static void release(BatchProcessor processor, int sequence) {
        try {
            processor.releaseSequence(sequence);
        } catch (RuntimeException e) {
            // the generation is over either way; a later admission reuses the id from position 0
            log.warn("releasing sequence {} failed", sequence, e);
        }
    }
}
