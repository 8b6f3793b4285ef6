package dev.jvmllm.grammar;

/**
 * A grammar as flat arrays, the form the recognizer runs on: every rule a list of alternatives,
 * every alternative a run of elements in {@link #elements} closed by {@link #END}. An element is a
 * terminal (an index into {@link #sets}, {@code >= 0}), a rule reference ({@code <= -2}, see
 * {@link #ruleOf}) or {@code END}. Repetitions are already expanded into rules.
 *
 * @param elements     every alternative's elements, each run closed by {@code END}
 * @param sets         the code point set of each terminal
 * @param alternatives for each rule, the start of each of its alternatives in {@code elements}
 * @param start        the rule the whole output must match
 */
record CompiledGrammar(int[] elements, CodePointSet[] sets, int[][] alternatives, int start) {
    static final int END = -1;

    static int refTo(int rule) {
        return -2 - rule;
    }

    static int ruleOf(int element) {
        return -2 - element;
    }
}
