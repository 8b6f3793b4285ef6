package dev.jvmllm.grammar;

import dev.jvmllm.api.InvalidRequestException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a {@link CompiledGrammar} over bytes: a nondeterministic pushdown recognizer (a set of
 * {@link Stack}s, like llama.cpp's) that advances one byte at a time, decoding UTF-8 on the way,
 * with every state it reaches interned and its transitions cached, so that the bytes the
 * vocabulary walk tries again and again (inside a string: almost all of them) cost an array
 * lookup. Thread-safe.
 *
 * <p>The interned states are bounded: when a generation holds {@link #MAX_STATES}, new states are
 * made without caching until a matcher next asks for its state, which starts a fresh generation
 * (matchers move their state over by value; the old one is collected once no one holds it).
 */
final class Recognizer {
    static final int MAX_STATES = 8192;
    /** Beyond this many parses at once a grammar is too ambiguous to run. */
    static final int MAX_STACKS = 4096;
    private static final int MAX_CLOSURE_WORK = 1 << 18;

    /** One generation of interned states. */
    static final class Generation {
        private final ConcurrentHashMap<StateKey, State> states = new ConcurrentHashMap<>();

        /** The state of this key, interned here unless the generation is full. */
        State intern(StateKey key) {
            State s = states.get(key);
            if (s != null) {
                return s;
            }
            if (states.size() >= MAX_STATES) {
                return new State(key, null);
            }
            State fresh = new State(key, this);
            State raced = states.putIfAbsent(key, fresh);
            return raced != null ? raced : fresh;
        }

        boolean isFull() {
            return states.size() >= MAX_STATES;
        }
    }

    private final CompiledGrammar g;
    private final int[] elements;
    private final CodePointSet[] sets;
    private final StateKey initialKey;
    private final AtomicReference<Generation> generation = new AtomicReference<>(new Generation());

    Recognizer(CompiledGrammar g) {
        this.g = g;
        this.elements = g.elements();
        this.sets = g.sets();
        Closure start = new Closure();
        for (int alternative : g.alternatives()[g.start()]) {
            start.push(new Stack(alternative, null));
        }
        this.initialKey = start.finish();
    }

    /** The state before any output. */
    State initial() {
        return initialKey == null ? State.DEAD : generation().intern(initialKey);
    }

    /** The same state in the current generation (starting a new one if the current is full). */
    State refresh(State s) {
        Generation current = generation();
        return s.owner == current || s == State.DEAD ? s : current.intern(s.key);
    }

    private Generation generation() {
        Generation current = generation.get();
        if (current.isFull()) {
            Generation fresh = new Generation();
            current = generation.compareAndSet(current, fresh) ? fresh : generation.get();
        }
        return current;
    }

    /** The state after one more byte ({@code 0..255}); {@link State#DEAD} if no parse survives it. */
    State step(State s, int b) {
        State[] next = s.next;
        if (next != null) {
            State known = next[b];
            if (known != null) {
                return known;
            }
        }
        StateKey key = compute(s.key, b);
        State result;
        if (key == null) {
            result = State.DEAD;
        } else {
            result = s.owner != null ? s.owner.intern(key) : generation.get().intern(key);
        }
        // Only successors in the same generation are remembered, or a full generation would leak
        // uncached states into the cache through its tables.
        if (s.owner != null && (result == State.DEAD || result.owner == s.owner)) {
            if (next == null) {
                next = new State[256];
                s.next = next;
            }
            next[b] = result;
        }
        return result;
    }

    /**
     * Whether every {@linkplain Vocabulary#isQuiet quiet} byte leads from {@code s} back to
     * {@code s} itself (as inside a JSON string), so that any run of them is allowed.
     */
    boolean loopsOnQuietBytes(State s) {
        if (s.quietLoop == 0) {
            boolean loops = s.owner != null;
            for (int b = 0x20; loops && b < 0x7F; b++) {
                loops = !Vocabulary.isQuiet(b) || step(s, b) == s;
            }
            s.quietLoop = (byte) (loops ? 1 : 2);
        }
        return s.quietLoop == 1;
    }

    /** The successor of a key by one byte, or null when no parse survives it. */
    private StateKey compute(StateKey k, int b) {
        int p = k.partial;
        if (p == 0) {
            if (b < 0x80) {
                return advance(k.stacks, b, false);
            }
            if (b >= 0xC2 && b <= 0xDF) {
                return pending(k.stacks, 2, 1, b & 0x1F);
            }
            if (b >= 0xE0 && b <= 0xEF) {
                return pending(k.stacks, 3, 2, b & 0x0F);
            }
            if (b >= 0xF0 && b <= 0xF4) {
                return pending(k.stacks, 4, 3, b & 0x07);
            }
            return null;
        }
        if ((b & 0xC0) != 0x80) {
            return null;
        }
        int remaining = StateKey.remaining(p);
        int length = StateKey.length(p);
        if (length == 0) {
            return remaining == 1 ? advance(k.stacks, -1, true)
                    : new StateKey(k.stacks, false, StateKey.partial(remaining - 1, 0, 0));
        }
        int value = StateKey.value(p) << 6 | (b & 0x3F);
        if (remaining == 1) {
            boolean valid = value >= minimum(length) && value <= CodePointSet.MAX && (value < 0xD800 || value > 0xDFFF);
            return valid ? advance(k.stacks, value, false) : null;
        }
        return pending(k.stacks, length, remaining - 1, value);
    }

    private static int minimum(int length) {
        return length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    }

    /**
     * The state in the middle of a UTF-8 sequence: only the stacks that can take some code point
     * these bytes begin stay, since the others die at its end anyway.
     */
    private StateKey pending(Stack[] stacks, int length, int remaining, int value) {
        int shift = 6 * remaining;
        int lo = value << shift;
        int hi = lo | ((1 << shift) - 1);
        int validLo = Math.max(lo, minimum(length));
        int validHi = Math.min(hi, CodePointSet.MAX);
        boolean allValid = lo == validLo && hi == validHi && (hi < 0xD800 || lo > 0xDFFF);
        List<Stack> kept = new ArrayList<>(stacks.length);
        boolean uniform = allValid;
        for (Stack s : stacks) {
            CodePointSet set = sets[elements[s.pos]];
            if (set.intersects(validLo, Math.min(validHi, 0xD7FF)) || set.intersects(Math.max(validLo, 0xE000), validHi)) {
                kept.add(s);
                uniform &= set.containsAll(lo, hi);
            }
        }
        if (kept.isEmpty()) {
            return null;
        }
        int partial = uniform ? StateKey.partial(remaining, 0, 0) : StateKey.partial(remaining, length, value);
        return new StateKey(kept.toArray(Stack[]::new), false, partial);
    }

    /** Moves every stack whose terminal takes {@code cp} (every stack, if {@code all}) past it. */
    private StateKey advance(Stack[] stacks, int cp, boolean all) {
        Closure c = new Closure();
        for (Stack s : stacks) {
            if (all || sets[elements[s.pos]].contains(cp)) {
                c.push(new Stack(s.pos + 1, s.parent));
            }
        }
        return c.finish();
    }

    /**
     * Expands positions until every stack has a terminal on top: a rule reference pushes its
     * alternatives (with the return position below; none when the reference ends its alternative,
     * so right recursion does not grow the stack), an alternative's end pops. Each raw stack is
     * expanded once, which ends cycles through rules that match the empty string.
     */
    private final class Closure {
        private final HashSet<Stack> seen = new HashSet<>();
        private final ArrayDeque<Stack> work = new ArrayDeque<>();
        private final List<Stack> tops = new ArrayList<>();
        private boolean canEnd;

        void push(Stack raw) {
            work.push(raw);
            while (!work.isEmpty()) {
                Stack s = work.pop();
                if (!seen.add(s)) {
                    continue;
                }
                if (seen.size() > MAX_CLOSURE_WORK) {
                    throw tooAmbiguous();
                }
                int e = elements[s.pos];
                if (e >= 0) {
                    if (!sets[e].isEmpty()) {
                        tops.add(s);
                    }
                } else if (e == CompiledGrammar.END) {
                    if (s.parent == null) {
                        canEnd = true;
                    } else {
                        work.push(s.parent);
                    }
                } else {
                    Stack ret = elements[s.pos + 1] == CompiledGrammar.END ? s.parent : new Stack(s.pos + 1, s.parent);
                    for (int alternative : g.alternatives()[CompiledGrammar.ruleOf(e)]) {
                        work.push(new Stack(alternative, ret));
                    }
                }
            }
        }

        /** The expanded state, or null if nothing survived. */
        StateKey finish() {
            if (tops.isEmpty() && !canEnd) {
                return null;
            }
            if (tops.size() > MAX_STACKS) {
                throw tooAmbiguous();
            }
            Stack[] sorted = tops.toArray(Stack[]::new);
            Arrays.sort(sorted, Stack::compare);
            return new StateKey(sorted, canEnd, 0);
        }
    }

    private static InvalidRequestException tooAmbiguous() {
        return new InvalidRequestException("grammar: too ambiguous to run: more than " + MAX_STACKS
                + " ways to parse the output so far");
    }
}
