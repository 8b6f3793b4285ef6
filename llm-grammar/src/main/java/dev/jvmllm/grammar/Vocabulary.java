package dev.jvmllm.grammar;

import dev.jvmllm.api.Model;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * A model's vocabulary as the matchers need it: every token's bytes, the end-of-generation tokens,
 * and a byte trie of all other tokens with bytes, laid out in preorder in flat arrays so that a
 * walk is a loop over indices that skips a dead subtree in one jump. Built once per model and
 * shared by every grammar (it holds no reference to the model).
 */
final class Vocabulary {
    private static final Map<Model, Vocabulary> CACHE = new WeakHashMap<>();

    final int size;
    private final byte[][] bytes;
    final BitSet ends;
    /** Trie nodes in preorder; node 0 is the root (the empty prefix). */
    final int nodes;
    /** The byte on the edge into each node. */
    final byte[] edge;
    /** Each node's depth: the length of its prefix. */
    final int[] depth;
    /** One past the last node of each node's subtree. */
    final int[] subtreeEnd;
    /** Node {@code i}'s tokens are {@code tokens[tokenStart[i] .. tokenStart[i + 1])}. */
    final int[] tokenStart;
    final int[] tokens;
    final int maxDepth;
    /**
     * Nodes below which every byte is quiet ({@link #isQuiet}): a walk from a state that every
     * quiet byte leads back to itself (inside a JSON string) takes such a subtree whole.
     */
    final BitSet quietBelow;

    /** The model's vocabulary, built on first use outside any lock (two threads may both build it). */
    static Vocabulary of(Model model) {
        synchronized (CACHE) {
            Vocabulary known = CACHE.get(model);
            if (known != null) {
                return known;
            }
        }
        Vocabulary built = new Vocabulary(model);
        synchronized (CACHE) {
            return CACHE.computeIfAbsent(model, m -> built);
        }
    }

    private Vocabulary(Model model) {
        size = model.vocabularySize();
        bytes = new byte[size][];
        ends = new BitSet(size);
        int texts = 0;
        for (int t = 0; t < size; t++) {
            if (model.isEndOfGeneration(t)) {
                ends.set(t);
                bytes[t] = new byte[0];
            } else {
                bytes[t] = model.tokenBytes(t);
                if (bytes[t].length > 0) {
                    texts++;
                }
            }
        }
        Integer[] order = new Integer[texts];
        for (int t = 0, i = 0; t < size; t++) {
            if (bytes[t].length > 0 && !ends.get(t)) {
                order[i++] = t;
            }
        }
        Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(bytes[a], bytes[b]));

        // In sorted order each token shares its longest common prefix with the one before, and
        // its new nodes come right after: appending them yields the trie in preorder.
        int capacity = 1;
        for (Integer t : order) {
            capacity += bytes[t].length;
        }
        byte[] edges = new byte[capacity];
        int[] depths = new int[capacity];
        int[] closes = new int[capacity];
        int[] firstToken = new int[capacity + 1];
        int[] open = new int[1];
        int count = 1;
        int deepest = 0;
        byte[] previous = new byte[0];
        tokens = new int[texts];
        int placed = 0;
        for (Integer t : order) {
            byte[] b = bytes[t];
            int common = Arrays.mismatch(previous, b);
            if (common < 0) {
                common = b.length;
            }
            for (int d = previous.length; d > common; d--) {
                closes[open[d]] = count;
            }
            if (open.length <= b.length) {
                open = Arrays.copyOf(open, Math.max(b.length + 1, open.length * 2));
            }
            for (int d = common + 1; d <= b.length; d++) {
                edges[count] = b[d - 1];
                depths[count] = d;
                firstToken[count] = placed;
                open[d] = count++;
            }
            tokens[placed++] = t;
            deepest = Math.max(deepest, b.length);
            previous = b;
        }
        for (int d = previous.length; d >= 1; d--) {
            closes[open[d]] = count;
        }
        closes[0] = count;
        firstToken[count] = placed;
        nodes = count;
        edge = Arrays.copyOf(edges, count);
        depth = Arrays.copyOf(depths, count);
        subtreeEnd = Arrays.copyOf(closes, count);
        tokenStart = Arrays.copyOf(firstToken, count + 1);
        maxDepth = deepest;
        quietBelow = new BitSet(count);
        for (int i = count - 1; i >= 0; i--) {
            boolean quiet = true;
            for (int child = i + 1; quiet && child < subtreeEnd[i]; child = subtreeEnd[child]) {
                quiet = isQuiet(edge[child] & 0xFF) && quietBelow.get(child);
            }
            quietBelow.set(i, quiet);
        }
    }

    /** Printable ASCII but the quote and the backslash: what JSON strings (and most text) are made of. */
    static boolean isQuiet(int b) {
        return b >= 0x20 && b < 0x7F && b != '"' && b != '\\';
    }

    /** The bytes of a token; empty for end-of-generation and control tokens. */
    byte[] bytes(int token) {
        return bytes[token];
    }
}
