package dev.jvmllm.grammar;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tokens allowed in each recognizer state, for one grammar and one model: a depth-first walk
 * of the vocabulary trie that advances the state byte by byte (through the recognizer's cached
 * transitions), skips a subtree as soon as no parse survives its prefix, and takes a subtree
 * whole when nothing in it can change the state (plain text inside a string). The last
 * {@link #MEMO_SIZE} answers are kept by state: constrained JSON comes back to the same states
 * (inside a string, after a key) again and again. Thread-safe.
 */
final class TokenSets {
    static final int MEMO_SIZE = 64;

    final Vocabulary vocabulary;
    private final Recognizer recognizer;
    private final Map<StateKey, BitSet> memo = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<StateKey, BitSet> eldest) {
            return size() > MEMO_SIZE;
        }
    };

    TokenSets(Vocabulary vocabulary, Recognizer recognizer) {
        this.vocabulary = vocabulary;
        this.recognizer = recognizer;
    }

    /**
     * The tokens with bytes that may follow state {@code s} (end-of-generation tokens not
     * included). The set is shared: read it, never change it.
     */
    BitSet allowed(State s) {
        synchronized (memo) {
            BitSet known = memo.get(s.key);
            if (known != null) {
                return known;
            }
        }
        BitSet computed = walk(s);
        synchronized (memo) {
            memo.put(s.key, computed);
        }
        return computed;
    }

    private BitSet walk(State start) {
        Vocabulary v = vocabulary;
        byte[] edge = v.edge;
        int[] depth = v.depth;
        int[] subtreeEnd = v.subtreeEnd;
        int[] tokenStart = v.tokenStart;
        int[] tokens = v.tokens;
        BitSet quietBelow = v.quietBelow;
        BitSet out = new BitSet(v.size);
        State[] path = new State[v.maxDepth + 1];
        path[0] = start;
        for (int i = 1, n = v.nodes; i < n; ) {
            int d = depth[i];
            State parent = path[d - 1];
            int b = edge[i] & 0xFF;
            State[] next = parent.next;
            State s = next != null ? next[b] : null;
            if (s == null) {
                s = recognizer.step(parent, b);
            }
            if (s == State.DEAD) {
                i = subtreeEnd[i];
                continue;
            }
            path[d] = s;
            // Below a quiet subtree from a state that quiet bytes keep as it is, every token is allowed.
            int last = quietBelow.get(i) && recognizer.loopsOnQuietBytes(s) ? subtreeEnd[i] : i + 1;
            for (int k = tokenStart[i], end = tokenStart[last]; k < end; k++) {
                out.set(tokens[k]);
            }
            i = last;
        }
        return out;
    }
}
