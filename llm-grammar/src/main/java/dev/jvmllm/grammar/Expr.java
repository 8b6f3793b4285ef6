package dev.jvmllm.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * A grammar expression over code points: what GBNF text parses to and what the JSON Schema
 * compiler builds. Repetitions stay as they are here; {@link Compiler} expands them.
 */
sealed interface Expr {

    /** The empty sequence: matches the empty string. */
    Expr EMPTY = new Seq(List.of());

    /** A literal string; the empty literal matches the empty string. */
    record Lit(String text) implements Expr {}

    /** One code point out of a set. */
    record CharClass(CodePointSet set) implements Expr {}

    /** A reference to a rule by name. */
    record Ref(String name) implements Expr {}

    record Seq(List<Expr> items) implements Expr {
        public Seq {
            items = List.copyOf(items);
        }
    }

    record Alt(List<Expr> options) implements Expr {
        public Alt {
            options = List.copyOf(options);
        }
    }

    /** {@code body} repeated {@code min} to {@code max} times; {@code max} is {@link #UNBOUNDED} for no limit. */
    record Repeat(Expr body, int min, int max) implements Expr {
        static final int UNBOUNDED = -1;
    }

    static Expr seq(Expr... items) {
        List<Expr> flat = new ArrayList<>();
        for (Expr e : items) {
            for (Expr item : e instanceof Seq s ? s.items() : List.of(e)) {
                if (item instanceof Lit l && !flat.isEmpty() && flat.getLast() instanceof Lit before) {
                    flat.set(flat.size() - 1, new Lit(before.text() + l.text()));
                } else if (!(item instanceof Lit l && l.text().isEmpty())) {
                    flat.add(item);
                }
            }
        }
        return flat.size() == 1 ? flat.getFirst() : new Seq(flat);
    }

    static Expr alt(List<Expr> options) {
        return options.size() == 1 ? options.getFirst() : new Alt(options);
    }

    static Expr alt(Expr... options) {
        return alt(List.of(options));
    }

    static Expr optional(Expr e) {
        return new Repeat(e, 0, 1);
    }

    static Expr star(Expr e) {
        return new Repeat(e, 0, Repeat.UNBOUNDED);
    }

    static Expr lit(String text) {
        return new Lit(text);
    }

    static Expr ref(String name) {
        return new Ref(name);
    }

    static Expr chars(CodePointSet set) {
        int single = set.singleMember();
        return single >= 0 ? new Lit(Character.toString(single)) : new CharClass(set);
    }

    /** GBNF text for this expression; it parses back to an equal expression. */
    static String print(Expr e) {
        StringBuilder out = new StringBuilder();
        print(e, out, false);
        return out.toString();
    }

    private static void print(Expr e, StringBuilder out, boolean inSequence) {
        switch (e) {
            case Lit l -> printLiteral(l.text(), out);
            case CharClass c -> out.append(printClass(c.set()));
            case Ref r -> out.append(r.name());
            case Seq s -> {
                if (s.items().isEmpty()) {
                    out.append("\"\"");
                    return;
                }
                for (int i = 0; i < s.items().size(); i++) {
                    if (i > 0) {
                        out.append(' ');
                    }
                    print(s.items().get(i), out, true);
                }
            }
            case Alt a -> {
                if (inSequence) {
                    out.append('(');
                }
                for (int i = 0; i < a.options().size(); i++) {
                    if (i > 0) {
                        out.append(" | ");
                    }
                    print(a.options().get(i), out, false);
                }
                if (inSequence) {
                    out.append(')');
                }
            }
            case Repeat r -> {
                boolean group = r.body() instanceof Seq || r.body() instanceof Alt || r.body() instanceof Repeat
                        || (r.body() instanceof Lit l && l.text().codePointCount(0, l.text().length()) != 1);
                if (group) {
                    out.append('(');
                }
                print(r.body(), out, false);
                if (group) {
                    out.append(')');
                }
                if (r.min() == 0 && r.max() == 1) {
                    out.append('?');
                } else if (r.min() == 0 && r.max() == Repeat.UNBOUNDED) {
                    out.append('*');
                } else if (r.min() == 1 && r.max() == Repeat.UNBOUNDED) {
                    out.append('+');
                } else if (r.max() == Repeat.UNBOUNDED) {
                    out.append('{').append(r.min()).append(",}");
                } else if (r.min() == r.max()) {
                    out.append('{').append(r.min()).append('}');
                } else {
                    out.append('{').append(r.min()).append(',').append(r.max()).append('}');
                }
            }
        }
    }

    private static void printLiteral(String text, StringBuilder out) {
        out.append('"');
        text.codePoints().forEach(cp -> {
            switch (cp) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (!appendControl(cp, out)) {
                        out.appendCodePoint(cp);
                    }
                }
            }
        });
        out.append('"');
    }

    /** {@code [...]}, negated when that is shorter (sets that reach the last code point). */
    static String printClass(CodePointSet set) {
        StringBuilder out = new StringBuilder("[");
        CodePointSet shown = set;
        if (set.rangeCount() > 0 && set.hi(set.rangeCount() - 1) == CodePointSet.MAX) {
            out.append('^');
            shown = set.complement();
        }
        for (int i = 0; i < shown.rangeCount(); i++) {
            printClassChar(shown.lo(i), out);
            if (shown.hi(i) != shown.lo(i)) {
                if (shown.hi(i) > shown.lo(i) + 1) {
                    out.append('-');
                }
                printClassChar(shown.hi(i), out);
            }
        }
        return out.append(']').toString();
    }

    private static void printClassChar(int cp, StringBuilder out) {
        switch (cp) {
            case ']', '[', '\\', '-', '^' -> out.append('\\').appendCodePoint(cp);
            default -> {
                if (appendControl(cp, out)) {
                    return;
                }
                if (cp < 0x80) {
                    out.appendCodePoint(cp);
                } else if (cp <= 0xFFFF) {
                    out.append(String.format("\\u%04X", cp));
                } else {
                    out.append(String.format("\\U%08X", cp));
                }
            }
        }
    }

    /**
     * The escapes literals and classes share: newline, return and tab by name, any other control
     * character as {@code \xHH}. False, and nothing written, for a code point that is none of these.
     */
    private static boolean appendControl(int cp, StringBuilder out) {
        switch (cp) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> {
                if (cp >= 0x20 && cp != 0x7F) {
                    return false;
                }
                out.append(String.format("\\x%02X", cp));
            }
        }
        return true;
    }
}
