package dev.jvmllm.scheduler.internal;

/**
 * The sequences whose KV cache outlived their request, kept for a next request that starts with
 * the same tokens: per sequence id, the tokens its cache holds. A request that shares a prefix
 * with an entry takes the entry's sequence over and computes only the rest of its prompt; an
 * entry gives its sequence up, least recently used first, to any request that needs one, so the
 * cache never holds back admission. Owned by the engine thread.
 */
public final class PrefixCache {
    /** The sequence whose entry shares the most tokens with a prompt, and how many it shares. */
    public record Match(int sequence, int length) {
    }

    private final int[][] entries; // per sequence id: the tokens its cache holds, or null
    private final long[] lastUse;
    private long uses;
    private int size;

    /** @param sequences how many sequences the processor holds */
    public PrefixCache(int sequences) {
        entries = new int[sequences][];
        lastUse = new long[sequences];
    }

    /** Keeps the sequence's cache, which holds {@code tokens} (at least one). */
    public void keep(int sequence, int[] tokens) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("an empty sequence is not worth keeping");
        }
        if (entries[sequence] == null) {
            size++;
        }
        entries[sequence] = tokens;
        lastUse[sequence] = ++uses;
    }

    /** Whether the sequence holds an entry (and so its cache is not empty). */
    public boolean holds(int sequence) {
        return entries[sequence] != null;
    }

    public int size() {
        return size;
    }

    /** The tokens the kept entries hold together. */
    public long tokens() {
        long tokens = 0;
        for (int[] entry : entries) {
            tokens += entry == null ? 0 : entry.length;
        }
        return tokens;
    }

    /** The entry that shares the longest prefix with {@code prompt}, the most recent of equals; null if none shares a token. */
    public Match longestMatch(Generation prompt) {
        int best = -1;
        int bestLength = 0;
        for (int sequence = 0; sequence < entries.length; sequence++) {
            int[] tokens = entries[sequence];
            if (tokens == null) {
                continue;
            }
            int length = prompt.commonPrefixLength(tokens);
            if (length > bestLength || length == bestLength && length > 0 && lastUse[sequence] > lastUse[best]) {
                best = sequence;
                bestLength = length;
            }
        }
        return best < 0 ? null : new Match(best, bestLength);
    }

    /** Removes the sequence's entry: a request owns the sequence now, or it is released. */
    public void remove(int sequence) {
        if (entries[sequence] != null) {
            entries[sequence] = null;
            size--;
        }
    }

    /** The sequence of the least recently used entry; -1 when there is none. */
    public int leastRecentlyUsed() {
        int oldest = -1;
        for (int sequence = 0; sequence < entries.length; sequence++) {
            if (entries[sequence] != null && (oldest < 0 || lastUse[sequence] < lastUse[oldest])) {
                oldest = sequence;
            }
        }
        return oldest;
    }
}
