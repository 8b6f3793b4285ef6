package dev.jvmllm.grammar;

import java.util.Arrays;

/**
 * What a recognizer state is, as a value: the parse stacks (each with a terminal on top, sorted by
 * {@link Stack#compare}), whether the output may end here, and the UTF-8 sequence begun but not
 * finished by the bytes so far.
 *
 * <p>{@code partial} is 0 when no sequence is pending, else {@code remaining | length << 2 |
 * value << 5}: the continuation bytes still to come, the sequence's length, and the bits of its
 * bytes so far. Length 0 with value 0 means any continuation is accepted alike by every stack
 * (the common case inside strings): forgetting the bits then merges thousands of states into one.
 */
final class StateKey {
    final Stack[] stacks;
    final boolean canEnd;
    final int partial;
    private final int hash;

    StateKey(Stack[] stacks, boolean canEnd, int partial) {
        this.stacks = stacks;
        this.canEnd = canEnd;
        this.partial = partial;
        this.hash = (Arrays.hashCode(stacks) * 31 + partial) * 2 + (canEnd ? 1 : 0);
    }

    static int partial(int remaining, int length, int value) {
        return remaining | length << 2 | value << 5;
    }

    static int remaining(int partial) {
        return partial & 3;
    }

    static int length(int partial) {
        return (partial >>> 2) & 7;
    }

    static int value(int partial) {
        return partial >>> 5;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateKey k && k.hash == hash && k.partial == partial && k.canEnd == canEnd
                && Arrays.equals(k.stacks, stacks);
    }
}
