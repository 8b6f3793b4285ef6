package dev.jvmllm.grammar;

/**
 * One parse of the output so far: a position in {@link CompiledGrammar#elements()} and, below it,
 * the positions to return to when the current rule ends. Immutable and persistent: stacks that
 * grew from one another share their tails. Equality is structural; the hash is computed once.
 */
final class Stack {
    final int pos;
    /** The positions to return to, innermost first; null at the start rule. */
    final Stack parent;
    private final int hash;

    Stack(int pos, Stack parent) {
        this.pos = pos;
        this.parent = parent;
        int h = (parent == null ? 0x2545F491 : parent.hash) * 0x9E3779B9 + pos;
        this.hash = h ^ (h >>> 15);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Stack other)) {
            return false;
        }
        Stack a = this;
        Stack b = other;
        while (a != b) {
            if (a == null || b == null || a.hash != b.hash || a.pos != b.pos) {
                return false;
            }
            a = a.parent;
            b = b.parent;
        }
        return true;
    }

    /** A total order (by hash, then positions from the top), so that equal sets sort alike. */
    static int compare(Stack a, Stack b) {
        if (a.hash != b.hash) {
            return Integer.compare(a.hash, b.hash);
        }
        while (a != b) {
            if (a == null) {
                return -1;
            }
            if (b == null) {
                return 1;
            }
            if (a.pos != b.pos) {
                return Integer.compare(a.pos, b.pos);
            }
            a = a.parent;
            b = b.parent;
        }
        return 0;
    }
}
