package dev.jvmllm.grammar;

import dev.jvmllm.api.TokenMatcher;

/** Runs texts through a grammar's matcher. */
final class Matching {
    private Matching() {}

    /**
     * Whether the grammar takes the whole text, fed once as the model's greedy tokens and once
     * byte by byte (which splits every multi-byte character); the two must agree.
     */
    static boolean accepts(Grammar grammar, TestModel model, String text) {
        boolean greedy = run(grammar, model, model.tokenize(text, false));
        boolean bytes = run(grammar, model, model.bytesOf(text));
        if (greedy != bytes) {
            throw new AssertionError("tokens and bytes disagree on " + text + ": " + greedy + " vs " + bytes);
        }
        return greedy;
    }

    /** Whether the grammar allows every token in turn and then the end of generation. */
    static boolean run(Grammar grammar, TestModel model, int[] tokens) {
        TokenMatcher m = grammar.start(model);
        for (int t : tokens) {
            if (!m.allows(t)) {
                return false;
            }
            m.accept(t);
        }
        return m.allows(model.end);
    }

    /** A matcher that has taken the text's greedy tokens (all of which must be allowed). */
    static TokenMatcher after(Grammar grammar, TestModel model, String text) {
        TokenMatcher m = grammar.start(model);
        for (int t : model.tokenize(text, false)) {
            m.accept(t);
        }
        return m;
    }
}
