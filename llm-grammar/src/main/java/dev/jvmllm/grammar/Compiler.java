package dev.jvmllm.grammar;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns {@link Rules} into a {@link CompiledGrammar}: nested alternatives become rules of their own,
 * {@code x{m,n}} becomes {@code m} copies of {@code x} and a chain of {@code n - m} optional rules
 * (each {@code x next | ""}, so the recognizer never stacks them), {@code x*} a right-recursive rule.
 * Then it refuses what the recognizer cannot run: left recursion (a rule that reaches itself
 * before consuming anything, which would grow a stack forever) and rules that can never finish.
 */
final class Compiler {
    /** Keeps memory bounded whatever the repetition counts. */
    static final int MAX_ELEMENTS = 4_000_000;

    /** Why a grammar cannot be compiled, naming the source rule where the problem lies. */
    static final class GrammarError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String rule;

        GrammarError(String rule, String message) {
            super(message, null, false, false);
            this.rule = rule;
        }

        /** The rule as the caller named it (rules made while compiling report the rule they came from). */
        String rule() {
            return rule;
        }
    }

    private final Rules rules;
    private final Map<String, Integer> ids = new HashMap<>();
    /** For each rule id, the source rule it came from. */
    private final List<String> origins = new ArrayList<>();
    /** For each rule id, whether it is the loop of a {@code *} or {@code +}. */
    private final List<Boolean> loops = new ArrayList<>();
    private final List<int[]> alternatives = new ArrayList<>();
    private final Map<CodePointSet, Integer> setIds = new HashMap<>();
    private final List<CodePointSet> sets = new ArrayList<>();
    private int[] elements = new int[1024];
    private int size;
    private final ArrayDeque<Runnable> pending = new ArrayDeque<>();

    private Compiler(Rules rules) {
        this.rules = rules;
    }

    static CompiledGrammar compile(Rules rules) {
        return new Compiler(rules).run();
    }

    private CompiledGrammar run() {
        for (String name : rules.rules().keySet()) {
            newRule(name, false);
        }
        for (Map.Entry<String, Expr> rule : rules.rules().entrySet()) {
            int id = ids.get(rule.getKey());
            Expr body = rule.getValue();
            List<Expr> options = body instanceof Expr.Alt a ? a.options() : List.of(body);
            lowerRule(id, options);
        }
        while (!pending.isEmpty()) {
            pending.poll().run();
        }
        CompiledGrammar g = new CompiledGrammar(Arrays.copyOf(elements, size), sets.toArray(CodePointSet[]::new),
                alternatives.toArray(int[][]::new), ids.get(rules.start()));
        check(g);
        return g;
    }

    private int newRule(String origin, boolean loop) {
        int id = origins.size();
        origins.add(origin);
        loops.add(loop);
        alternatives.add(null);
        if (!ids.containsKey(origin)) {
            ids.put(origin, id);
        }
        return id;
    }

    private void lowerRule(int id, List<Expr> options) {
        int[] starts = new int[options.size()];
        String origin = origins.get(id);
        for (int i = 0; i < options.size(); i++) {
            IntList out = new IntList();
            emit(options.get(i), origin, out);
            starts[i] = append(out, origin);
        }
        alternatives.set(id, starts);
    }

    private void rawRule(int id, IntList... options) {
        int[] starts = new int[options.length];
        for (int i = 0; i < options.length; i++) {
            starts[i] = append(options[i], origins.get(id));
        }
        alternatives.set(id, starts);
    }

    /** Appends one alternative's elements and its END; returns where it starts. */
    private int append(IntList alternative, String origin) {
        int start = size;
        int needed = size + alternative.size() + 1;
        if (needed > MAX_ELEMENTS) {
            throw new GrammarError(origin, "the grammar is too large (over " + MAX_ELEMENTS
                    + " elements once repetitions are expanded)");
        }
        if (needed > elements.length) {
            elements = Arrays.copyOf(elements, Math.max(needed, elements.length * 2));
        }
        for (int i = 0; i < alternative.size(); i++) {
            elements[size++] = alternative.get(i);
        }
        elements[size++] = CompiledGrammar.END;
        return start;
    }

    private void emit(Expr e, String origin, IntList out) {
        switch (e) {
            case Expr.Lit l -> l.text().codePoints().forEach(cp -> out.add(terminal(CodePointSet.single(cp))));
            case Expr.CharClass c -> out.add(terminal(c.set()));
            case Expr.Ref r -> out.add(CompiledGrammar.refTo(ids.get(r.name())));
            case Expr.Seq s -> s.items().forEach(item -> emit(item, origin, out));
            case Expr.Alt a -> out.add(CompiledGrammar.refTo(deferred(origin, a.options())));
            case Expr.Repeat r -> emitRepeat(r, origin, out);
        }
    }

    private int deferred(String origin, List<Expr> options) {
        int id = newRule(origin, false);
        pending.add(() -> lowerRule(id, options));
        return id;
    }

    private void emitRepeat(Expr.Repeat r, String origin, IntList out) {
        if (r.max() == 0) {
            return;
        }
        Expr body = r.body();
        IntList unit = new IntList();
        boolean single = body instanceof Expr.CharClass || body instanceof Expr.Ref
                || (body instanceof Expr.Lit l && l.text().codePointCount(0, l.text().length()) == 1);
        if (single) {
            emit(body, origin, unit);
        } else {
            unit.add(CompiledGrammar.refTo(deferred(origin, body instanceof Expr.Alt a ? a.options() : List.of(body))));
        }
        for (int i = 0; i < r.min(); i++) {
            out.addAll(unit);
        }
        if (r.max() == Expr.Repeat.UNBOUNDED) {
            int loop = newRule(origin, true);
            IntList again = new IntList();
            again.addAll(unit);
            again.add(CompiledGrammar.refTo(loop));
            rawRule(loop, again, new IntList());
            out.add(CompiledGrammar.refTo(loop));
        } else if (r.max() > r.min()) {
            int optional = r.max() - r.min();
            int first = origins.size();
            for (int i = 0; i < optional; i++) {
                newRule(origin, false);
            }
            for (int i = 0; i < optional; i++) {
                IntList more = new IntList();
                more.addAll(unit);
                if (i + 1 < optional) {
                    more.add(CompiledGrammar.refTo(first + i + 1));
                }
                rawRule(first + i, more, new IntList());
            }
            out.add(CompiledGrammar.refTo(first));
        }
    }

    private int terminal(CodePointSet set) {
        return setIds.computeIfAbsent(set, s -> {
            sets.add(s);
            return sets.size() - 1;
        });
    }

    private void check(CompiledGrammar g) {
        int rules = g.alternatives().length;
        boolean[] nullable = fixpoint(g, true);
        boolean[] productive = fixpoint(g, false);

        // Left recursion: a cycle through references that come before anything that consumes input.
        List<List<Integer>> left = new ArrayList<>(rules);
        for (int r = 0; r < rules; r++) {
            List<Integer> edges = new ArrayList<>();
            for (int start : g.alternatives()[r]) {
                for (int p = start; g.elements()[p] <= -2; p++) {
                    int q = CompiledGrammar.ruleOf(g.elements()[p]);
                    edges.add(q);
                    if (!nullable[q]) {
                        break;
                    }
                }
            }
            left.add(edges);
        }
        int onCycle = findCycle(left);
        if (onCycle >= 0) {
            String rule = origins.get(onCycle);
            throw new GrammarError(rule, loops.get(onCycle)
                    ? "rule '" + rule + "' repeats with '*' or '+' something that can match the empty string"
                    : "rule '" + rule + "' is left-recursive (it can reach itself before matching any character)");
        }

        // Every rule the start reaches must be able to finish, or a generation could enter one
        // and never end.
        int unfinishable = -1;
        boolean[] reached = new boolean[rules];
        ArrayDeque<Integer> work = new ArrayDeque<>();
        reached[g.start()] = true;
        work.add(g.start());
        while (!work.isEmpty() && unfinishable < 0) {
            int r = work.poll();
            if (!productive[r]) {
                unfinishable = r;
            }
            for (int start : g.alternatives()[r]) {
                for (int p = start; g.elements()[p] != CompiledGrammar.END; p++) {
                    int e = g.elements()[p];
                    if (e <= -2 && !reached[CompiledGrammar.ruleOf(e)]) {
                        reached[CompiledGrammar.ruleOf(e)] = true;
                        work.add(CompiledGrammar.ruleOf(e));
                    }
                }
            }
        }
        if (unfinishable >= 0) {
            // Blame the rule the trouble comes from: follow unfinishable references down.
            boolean[] visited = new boolean[rules];
            int r = unfinishable;
            for (int q = r; q >= 0; q = deeperUnfinishable(g, productive, visited, r)) {
                r = q;
                visited[r] = true;
            }
            throw new GrammarError(origins.get(r), "rule '" + origins.get(r) + "' can never finish: every way through it"
                    + " needs itself again or an empty character class");
        }
    }

    /** A rule that cannot finish, referenced by {@code r}, not visited yet; or -1. */
    private static int deeperUnfinishable(CompiledGrammar g, boolean[] productive, boolean[] visited, int r) {
        for (int start : g.alternatives()[r]) {
            for (int p = start; g.elements()[p] != CompiledGrammar.END; p++) {
                int e = g.elements()[p];
                if (e <= -2 && !productive[CompiledGrammar.ruleOf(e)] && !visited[CompiledGrammar.ruleOf(e)]) {
                    return CompiledGrammar.ruleOf(e);
                }
            }
        }
        return -1;
    }

    /**
     * The least fixpoint of "some alternative has only elements that qualify": with
     * {@code nullable}, terminals never qualify and the result is which rules match the empty
     * string; otherwise non-empty terminals qualify and the result is which rules match some string.
     * Linear in the grammar (counts per alternative), as repetition chains can be long.
     */
    private static boolean[] fixpoint(CompiledGrammar g, boolean nullable) {
        int rules = g.alternatives().length;
        int[] elements = g.elements();
        int alternativeCount = 0;
        for (int[] alts : g.alternatives()) {
            alternativeCount += alts.length;
        }
        int[] missing = new int[alternativeCount];
        int[] ruleOfAlternative = new int[alternativeCount];
        List<List<Integer>> uses = new ArrayList<>(rules);
        for (int r = 0; r < rules; r++) {
            uses.add(new ArrayList<>(0));
        }
        boolean[] result = new boolean[rules];
        ArrayDeque<Integer> work = new ArrayDeque<>();
        int a = 0;
        for (int r = 0; r < rules; r++) {
            for (int start : g.alternatives()[r]) {
                ruleOfAlternative[a] = r;
                boolean blocked = false;
                for (int p = start; elements[p] != CompiledGrammar.END; p++) {
                    if (elements[p] >= 0) {
                        blocked |= nullable || g.sets()[elements[p]].isEmpty();
                    } else {
                        missing[a]++;
                        uses.get(CompiledGrammar.ruleOf(elements[p])).add(a);
                    }
                }
                if (blocked) {
                    missing[a] = Integer.MAX_VALUE;
                } else if (missing[a] == 0 && !result[r]) {
                    result[r] = true;
                    work.add(r);
                }
                a++;
            }
        }
        while (!work.isEmpty()) {
            for (int use : uses.get(work.poll())) {
                if (missing[use] != Integer.MAX_VALUE && --missing[use] == 0 && !result[ruleOfAlternative[use]]) {
                    result[ruleOfAlternative[use]] = true;
                    work.add(ruleOfAlternative[use]);
                }
            }
        }
        return result;
    }

    /** A node on some cycle of the graph, or -1; iterative, as chains can be 100,000 rules long. */
    private static int findCycle(List<List<Integer>> edges) {
        int n = edges.size();
        byte[] color = new byte[n];
        int[] stackNode = new int[n];
        int[] stackEdge = new int[n];
        for (int root = 0; root < n; root++) {
            if (color[root] != 0) {
                continue;
            }
            int depth = 0;
            stackNode[0] = root;
            stackEdge[0] = 0;
            color[root] = 1;
            while (depth >= 0) {
                int node = stackNode[depth];
                if (stackEdge[depth] < edges.get(node).size()) {
                    int next = edges.get(node).get(stackEdge[depth]++);
                    if (color[next] == 1) {
                        return next;
                    }
                    if (color[next] == 0) {
                        color[next] = 1;
                        depth++;
                        stackNode[depth] = next;
                        stackEdge[depth] = 0;
                    }
                } else {
                    color[node] = 2;
                    depth--;
                }
            }
        }
        return -1;
    }

    /** A growable int array. */
    static final class IntList {
        private int[] values = new int[8];
        private int size;

        void add(int v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        void addAll(IntList other) {
            for (int i = 0; i < other.size; i++) {
                add(other.values[i]);
            }
        }

        int get(int i) {
            return values[i];
        }

        int size() {
            return size;
        }
    }
}
