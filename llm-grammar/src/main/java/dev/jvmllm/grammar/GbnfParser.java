package dev.jvmllm.grammar;

import dev.jvmllm.api.InvalidRequestException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses llama.cpp's GBNF: {@code name ::= alternatives} rules, one per line (newlines are allowed
 * inside parentheses and after {@code |}, and a line that starts with {@code |} continues the rule
 * above), string literals, character classes, {@code .}, groups, {@code * + ? {m} {m,} {m,n} {,n}}
 * and {@code #} comments. Errors name the line and column.
 */
final class GbnfParser {
    /** Largest repetition bound: each repetition becomes that many rules or elements. */
    static final int MAX_REPEAT = 100_000;

    private final int[] text;
    private int pos;
    private final Map<String, Expr> rules = new LinkedHashMap<>();
    private final Map<String, Integer> definedAt = new LinkedHashMap<>();
    private final List<int[]> refs = new ArrayList<>();

    private GbnfParser(String text) {
        this.text = text.codePoints().toArray();
    }

    /**
     * Parses and compiles GBNF text, started at {@code root}.
     *
     * @throws InvalidRequestException for a syntax error, an undefined rule, no {@code root}, left
     *                                 recursion or a rule that can never finish
     */
    static Built parse(String text) {
        GbnfParser p = new GbnfParser(text);
        Rules rules = p.parseAll();
        try {
            return new Built(rules, Compiler.compile(rules));
        } catch (Compiler.GrammarError e) {
            throw p.error(p.definedAt.getOrDefault(e.rule(), 0), e.getMessage());
        }
    }

    private Rules parseAll() {
        skipSpace(true);
        while (pos < text.length) {
            parseRule();
            skipSpace(true);
        }
        for (int[] ref : refs) {
            String name = new String(text, ref[0], ref[1]);
            if (!rules.containsKey(name)) {
                throw error(ref[0], "undefined rule '" + name + "'");
            }
        }
        if (!rules.containsKey("root")) {
            throw new InvalidRequestException("grammar: no rule named 'root' (the rule the whole output must match)");
        }
        return new Rules(rules, "root");
    }

    private void parseRule() {
        int start = pos;
        String name = parseName();
        if (name.isEmpty()) {
            throw error(pos, "expected a rule name, found " + describeHere());
        }
        skipSpace(false);
        if (!lookingAt("::=")) {
            throw error(pos, "expected '::=' after the rule name '" + name + "', found " + describeHere());
        }
        pos += 3;
        skipSpace(true);
        Expr body = parseAlternatives(false);
        if (pos < text.length && text[pos] != '\n' && text[pos] != '\r') {
            throw error(pos, "unexpected " + describeHere());
        }
        Integer previous = definedAt.putIfAbsent(name, start);
        if (previous != null) {
            throw error(start, "rule '" + name + "' is defined twice (first at " + where(previous) + ")");
        }
        rules.put(name, body);
    }

    private Expr parseAlternatives(boolean nested) {
        List<Expr> options = new ArrayList<>();
        options.add(parseSequence(nested));
        while (true) {
            if (pos < text.length && text[pos] == '|') {
                pos++;
                skipSpace(true);
                options.add(parseSequence(nested));
            } else if (!nested && continuesOnNextLine()) {
                skipSpace(true);
            } else {
                return Expr.alt(options);
            }
        }
    }

    /** Whether the next non-blank, non-comment line starts with {@code |}. */
    private boolean continuesOnNextLine() {
        int saved = pos;
        skipSpace(true);
        boolean bar = pos < text.length && text[pos] == '|';
        pos = saved;
        return bar;
    }

    private Expr parseSequence(boolean nested) {
        List<Expr> items = new ArrayList<>();
        while (pos < text.length) {
            int c = text[pos];
            int atomStart = pos;
            if (c == '"') {
                items.add(parseLiteral());
            } else if (c == '[') {
                items.add(parseClass());
            } else if (c == '.') {
                pos++;
                items.add(new Expr.CharClass(CodePointSet.ANY));
            } else if (c == '(') {
                pos++;
                skipSpace(true);
                Expr inner = parseAlternatives(true);
                if (pos >= text.length || text[pos] != ')') {
                    throw error(pos, "expected ')' to close the '(' at " + where(atomStart) + ", found " + describeHere());
                }
                pos++;
                items.add(inner);
            } else if (isNameChar(c)) {
                String name = parseName();
                int after = pos;
                skipSpace(false);
                if (lookingAt("::=")) {
                    throw error(atomStart, "rule '" + name + "' must start on a new line");
                }
                pos = after;
                refs.add(new int[] {atomStart, name.codePointCount(0, name.length())});
                items.add(new Expr.Ref(name));
            } else if (c == '*' || c == '+' || c == '?' || c == '{') {
                throw error(pos, "'" + Character.toString(c) + "' has nothing before it to repeat");
            } else if (c == '<') {
                throw error(pos, "token references ('<...>') are not supported");
            } else {
                break;
            }
            skipSpace(nested);
            while (pos < text.length && (text[pos] == '*' || text[pos] == '+' || text[pos] == '?' || text[pos] == '{')) {
                Expr last = items.removeLast();
                items.add(parseQuantifier(last));
                skipSpace(nested);
            }
        }
        return items.size() == 1 ? items.getFirst() : new Expr.Seq(items);
    }

    private Expr parseQuantifier(Expr body) {
        int start = pos;
        int c = text[pos++];
        return switch (c) {
            case '*' -> Expr.star(body);
            case '+' -> new Expr.Repeat(body, 1, Expr.Repeat.UNBOUNDED);
            case '?' -> Expr.optional(body);
            default -> {
                skipInlineSpace();
                int min = lookingAt(",") ? 0 : parseCount(start);
                skipInlineSpace();
                int max = min;
                if (lookingAt(",")) {
                    pos++;
                    skipInlineSpace();
                    max = pos < text.length && text[pos] == '}' ? Expr.Repeat.UNBOUNDED : parseCount(start);
                    skipInlineSpace();
                }
                if (!lookingAt("}")) {
                    throw error(pos, "expected '}' to close the repetition, found " + describeHere());
                }
                pos++;
                if (max != Expr.Repeat.UNBOUNDED && max < min) {
                    throw error(start, "repetition {" + min + "," + max + "} has its maximum below its minimum");
                }
                yield new Expr.Repeat(body, min, max);
            }
        };
    }

    private int parseCount(int quantifierStart) {
        int start = pos;
        long value = 0;
        while (pos < text.length && text[pos] >= '0' && text[pos] <= '9') {
            value = Math.min(value * 10 + (text[pos] - '0'), Integer.MAX_VALUE);
            pos++;
        }
        if (pos == start) {
            throw error(pos, "expected a number in the repetition, found " + describeHere());
        }
        if (value > MAX_REPEAT) {
            throw error(quantifierStart, "repetition count " + value + " is above the limit " + MAX_REPEAT);
        }
        return (int) value;
    }

    private Expr parseLiteral() {
        int start = pos;
        pos++;
        StringBuilder out = new StringBuilder();
        while (true) {
            if (pos >= text.length || text[pos] == '\n' || text[pos] == '\r') {
                throw error(start, "unterminated string literal");
            }
            int c = text[pos];
            if (c == '"') {
                pos++;
                return new Expr.Lit(out.toString());
            }
            out.appendCodePoint(c == '\\' ? parseEscape() : text[pos++]);
        }
    }

    private Expr parseClass() {
        int start = pos;
        pos++;
        boolean negated = pos < text.length && text[pos] == '^';
        if (negated) {
            pos++;
        }
        List<Integer> pairs = new ArrayList<>();
        while (true) {
            if (pos >= text.length || text[pos] == '\n' || text[pos] == '\r') {
                throw error(start, "unterminated character class");
            }
            if (text[pos] == ']') {
                pos++;
                break;
            }
            int lo = classChar();
            int hi = lo;
            if (pos + 1 < text.length && text[pos] == '-' && text[pos + 1] != ']') {
                int dash = pos;
                pos++;
                hi = classChar();
                if (hi < lo) {
                    throw error(dash, "character range is backwards");
                }
            }
            pairs.add(lo);
            pairs.add(hi);
        }
        CodePointSet set = CodePointSet.ofRanges(pairs.stream().mapToInt(Integer::intValue).toArray());
        return new Expr.CharClass(negated ? set.complement() : set);
    }

    private int classChar() {
        return text[pos] == '\\' ? parseEscape() : text[pos++];
    }

    private int parseEscape() {
        int start = pos;
        pos++;
        if (pos >= text.length) {
            throw error(start, "unfinished escape");
        }
        int c = text[pos++];
        return switch (c) {
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case '0' -> 0;
            case '\\', '"', '[', ']', '-', '^', '/', '\'', '.' -> c;
            case 'x' -> hex(start, 2);
            case 'u' -> hex(start, 4);
            case 'U' -> hex(start, 8);
            default -> throw error(start, "unknown escape '\\" + Character.toString(c) + "'");
        };
    }

    private int hex(int escapeStart, int digits) {
        long value = 0;
        for (int i = 0; i < digits; i++) {
            int d = pos < text.length ? Character.digit(text[pos], 16) : -1;
            if (d < 0) {
                throw error(escapeStart, "escape needs " + digits + " hex digits");
            }
            value = value * 16 + d;
            pos++;
        }
        if (value > CodePointSet.MAX) {
            throw error(escapeStart, "escape is beyond the last code point U+10FFFF");
        }
        return (int) value;
    }

    private String parseName() {
        int start = pos;
        while (pos < text.length && isNameChar(text[pos])) {
            pos++;
        }
        return new String(text, start, pos - start);
    }

    private static boolean isNameChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    private void skipSpace(boolean newlines) {
        while (pos < text.length) {
            int c = text[pos];
            if (c == ' ' || c == '\t' || (newlines && (c == '\n' || c == '\r'))) {
                pos++;
            } else if (c == '#') {
                while (pos < text.length && text[pos] != '\n' && text[pos] != '\r') {
                    pos++;
                }
            } else {
                return;
            }
        }
    }

    private void skipInlineSpace() {
        while (pos < text.length && (text[pos] == ' ' || text[pos] == '\t')) {
            pos++;
        }
    }

    private boolean lookingAt(String s) {
        if (pos + s.length() > text.length) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (text[pos + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private String describeHere() {
        if (pos >= text.length) {
            return "the end of the grammar";
        }
        int c = text[pos];
        return c == '\n' || c == '\r' ? "the end of the line" : "'" + Character.toString(c) + "'";
    }

    private String where(int at) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < at && i < text.length; i++) {
            if (text[i] == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return "line " + line + ", column " + column;
    }

    private InvalidRequestException error(int at, String message) {
        return new InvalidRequestException("grammar: " + where(at) + ": " + message);
    }
}
