package dev.jvmllm.grammar;

/**
 * A recognizer state with its cache of transitions by byte: a lazily built DFA over the
 * grammar's pushdown recognizer. Shared by every matcher of one grammar; the transition table is
 * filled racily, which is safe because a slot only ever goes from null to an immutable,
 * equivalent successor (a thread that sees null computes it again).
 */
final class State {
    /** No parse survives: nothing more is allowed. */
    static final State DEAD = new State(new StateKey(new Stack[0], false, 0), null);

    final StateKey key;
    /** The cache generation this state is interned in; null for {@link #DEAD} and for states made
     *  while the cache was full, whose transitions are not remembered. */
    final Recognizer.Generation owner;
    /** Successor by byte, null where not computed yet; allocated on first use. */
    State[] next;
    /** Whether every quiet byte leads back here: 0 not known yet, 1 yes, 2 no. */
    byte quietLoop;

    State(StateKey key, Recognizer.Generation owner) {
        this.key = key;
        this.owner = owner;
    }

    boolean canEnd() {
        return key.canEnd;
    }

    /** True when the output is whole and nothing but its end can follow. */
    boolean isComplete() {
        return key.canEnd && key.stacks.length == 0;
    }
}
