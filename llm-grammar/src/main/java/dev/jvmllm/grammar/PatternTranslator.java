package dev.jvmllm.grammar;

import dev.jvmllm.api.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a JSON Schema {@code pattern} (an ECMA-262 regular expression) into a grammar for the
 * contents of a JSON string whose decoded value the pattern matches. Like JSON Schema, a pattern
 * is not anchored: a branch without {@code ^} may have anything before it, one without
 * {@code $} anything after it.
 *
 * <p>Supported: literals, escapes ({@code \n \t \r \f \v \0 \xHH \cX}, a backslash and
 * {@code u} with four hex digits or with hex digits in braces, escaped punctuation), {@code .},
 * classes with ranges and negation, {@code \d \w \s \D \W \S}, groups ({@code (...)},
 * {@code (?:...)}, {@code (?<name>...)}), {@code |}, {@code * + ? {m} {m,} {m,n}} (lazy forms
 * too: they match the same strings), {@code ^} and {@code $} at the ends of top-level branches.
 * Refused: lookaround, backreferences, word boundaries, Unicode property escapes, and anchors
 * anywhere else. Where ECMA-262 and Java's regexes differ ({@code \s}, {@code .}), the
 * characters both agree on are generated.
 */
final class PatternTranslator {
    private static final CodePointSet DIGITS = CodePointSet.range('0', '9');
    private static final CodePointSet WORD = CodePointSet.ofRanges('0', '9', 'A', 'Z', 'a', 'z', '_', '_');
    private static final CodePointSet SPACE = CodePointSet.ofRanges('\t', '\r', ' ', ' ');
    private static final CodePointSet DOT = CodePointSet.ofRanges('\n', '\n', '\r', '\r', 0x85, 0x85, 0x2028, 0x2029)
            .complement();
    /** What a JSON string holds unescaped: no quote, backslash, control character or surrogate. */
    private static final CodePointSet PLAIN = CodePointSet.ofRanges(0x20, CodePointSet.MAX)
            .minus(CodePointSet.ofRanges('"', '"', '\\', '\\', 0x7F, 0x7F, 0xD800, 0xDFFF));
    private static final CodePointSet ESCAPED = CodePointSet.ofRanges(0, 0x1F, '"', '"', '\\', '\\', 0x7F, 0x7F);

    private final int[] text;
    private final String where;
    private final Expr anyChar;
    private int pos;

    private PatternTranslator(String pattern, String where, Expr anyChar) {
        this.text = pattern.codePoints().toArray();
        this.where = where;
        this.anyChar = anyChar;
    }

    /**
     * The string contents (without the quotes) for {@code pattern}.
     *
     * @param where   the pattern's place in the schema, for errors
     * @param anyChar one JSON string character (plain or escaped), for unanchored ends
     */
    static Expr translate(String pattern, String where, Expr anyChar) {
        PatternTranslator t = new PatternTranslator(pattern, where, anyChar);
        List<Expr> branches = new ArrayList<>();
        while (true) {
            boolean startAnchored = t.pos < t.text.length && t.text[t.pos] == '^';
            if (startAnchored) {
                t.pos++;
            }
            List<Expr> items = t.sequence(true);
            boolean endAnchored = t.pos < t.text.length && t.text[t.pos] == '$';
            if (endAnchored) {
                t.pos++;
            }
            List<Expr> branch = new ArrayList<>();
            if (!startAnchored) {
                branch.add(Expr.star(anyChar));
            }
            branch.addAll(items);
            if (!endAnchored) {
                branch.add(Expr.star(anyChar));
            }
            branches.add(Expr.seq(branch.toArray(Expr[]::new)));
            if (t.pos >= t.text.length) {
                break;
            }
            if (t.text[t.pos] != '|') {
                throw t.error(t.text[t.pos] == ')' ? "unbalanced ')'" : "'" + Character.toString(t.text[t.pos])
                        + "' is supported only at the end of the pattern");
            }
            t.pos++;
        }
        return Expr.alt(branches);
    }

    private List<Expr> sequence(boolean top) {
        List<Expr> items = new ArrayList<>();
        while (pos < text.length) {
            int c = text[pos];
            if (c == '|' || c == ')') {
                break;
            }
            if (c == '$') {
                if (top && pos + 1 == text.length || top && text[pos + 1] == '|') {
                    break;
                }
                throw error("'$' is supported only at the end of the pattern or of a top-level branch");
            }
            if (c == '^') {
                throw error("'^' is supported only at the start of the pattern or of a top-level branch");
            }
            Expr atom = atom();
            items.add(quantified(atom));
        }
        return items;
    }

    private Expr quantified(Expr atom) {
        while (pos < text.length) {
            int c = text[pos];
            int min;
            int max;
            if (c == '*') {
                min = 0;
                max = Expr.Repeat.UNBOUNDED;
                pos++;
            } else if (c == '+') {
                min = 1;
                max = Expr.Repeat.UNBOUNDED;
                pos++;
            } else if (c == '?') {
                min = 0;
                max = 1;
                pos++;
            } else if (c == '{' && braceQuantifier() != null) {
                int[] bounds = braceQuantifier();
                min = bounds[0];
                max = bounds[1];
                pos = bounds[2];
            } else {
                return atom;
            }
            if (pos < text.length && text[pos] == '?') {
                pos++;
            }
            atom = new Expr.Repeat(atom, min, max);
        }
        return atom;
    }

    /** {@code {m}}, {@code {m,}} or {@code {m,n}} here as {min, max, end}, or null (then '{' is a literal). */
    private int[] braceQuantifier() {
        int p = pos + 1;
        int start = p;
        long min = 0;
        while (p < text.length && text[p] >= '0' && text[p] <= '9') {
            min = Math.min(min * 10 + text[p++] - '0', Integer.MAX_VALUE);
        }
        if (p == start) {
            return null;
        }
        long max = min;
        if (p < text.length && text[p] == ',') {
            p++;
            int maxStart = p;
            max = 0;
            while (p < text.length && text[p] >= '0' && text[p] <= '9') {
                max = Math.min(max * 10 + text[p++] - '0', Integer.MAX_VALUE);
            }
            if (p == maxStart) {
                max = Expr.Repeat.UNBOUNDED;
            }
        }
        if (p >= text.length || text[p] != '}') {
            return null;
        }
        if (max != Expr.Repeat.UNBOUNDED && max < min) {
            throw error("repetition {" + min + "," + max + "} has its maximum below its minimum");
        }
        if (min > GbnfParser.MAX_REPEAT || max > GbnfParser.MAX_REPEAT) {
            throw error("repetition count above the limit " + GbnfParser.MAX_REPEAT);
        }
        return new int[] {(int) min, (int) max, p + 1};
    }

    private Expr atom() {
        int c = text[pos];
        switch (c) {
            case '(' -> {
                pos++;
                if (pos < text.length && text[pos] == '?') {
                    if (pos + 1 < text.length && text[pos + 1] == ':') {
                        pos += 2;
                    } else if (pos + 2 < text.length && text[pos + 1] == '<' && text[pos + 2] != '=' && text[pos + 2] != '!') {
                        while (pos < text.length && text[pos] != '>') {
                            pos++;
                        }
                        pos++;
                    } else {
                        throw error(pos - 1, "lookaround and inline flags ('(?') are not supported");
                    }
                }
                List<Expr> branches = new ArrayList<>();
                while (true) {
                    branches.add(Expr.seq(sequence(false).toArray(Expr[]::new)));
                    if (pos >= text.length) {
                        throw error("missing ')'");
                    }
                    if (text[pos] == ')') {
                        pos++;
                        return Expr.alt(branches);
                    }
                    pos++;
                }
            }
            case '[' -> {
                return encode(charClass());
            }
            case '.' -> {
                pos++;
                return encode(DOT);
            }
            case '\\' -> {
                return encode(escape(false));
            }
            case '*', '+', '?' -> throw error("'" + Character.toString(c) + "' has nothing before it to repeat");
            default -> {
                pos++;
                return encode(CodePointSet.single(c));
            }
        }
    }

    private CodePointSet charClass() {
        pos++;
        boolean negated = pos < text.length && text[pos] == '^';
        if (negated) {
            pos++;
        }
        CodePointSet set = CodePointSet.EMPTY;
        while (true) {
            if (pos >= text.length) {
                throw error("missing ']'");
            }
            if (text[pos] == ']') {
                pos++;
                return negated ? set.complement() : set;
            }
            CodePointSet first = classAtom();
            if (first.singleMember() >= 0 && pos + 1 < text.length && text[pos] == '-' && text[pos + 1] != ']') {
                pos++;
                CodePointSet last = classAtom();
                if (last.singleMember() < 0) {
                    throw error("a class escape cannot end a range");
                }
                if (last.singleMember() < first.singleMember()) {
                    throw error("character range is backwards");
                }
                set = set.union(CodePointSet.range(first.singleMember(), last.singleMember()));
            } else {
                set = set.union(first);
            }
        }
    }

    private CodePointSet classAtom() {
        if (text[pos] == '\\') {
            return escape(true);
        }
        return CodePointSet.single(text[pos++]);
    }

    private CodePointSet escape(boolean inClass) {
        int start = pos;
        pos++;
        if (pos >= text.length) {
            throw error("unfinished escape");
        }
        int c = text[pos++];
        return switch (c) {
            case 'd' -> DIGITS;
            case 'D' -> DIGITS.complement();
            case 'w' -> WORD;
            case 'W' -> WORD.complement();
            case 's' -> SPACE;
            case 'S' -> SPACE.complement();
            case 'n' -> CodePointSet.single('\n');
            case 'r' -> CodePointSet.single('\r');
            case 't' -> CodePointSet.single('\t');
            case 'f' -> CodePointSet.single('\f');
            case 'v' -> CodePointSet.single(0x0B);
            case '0' -> CodePointSet.single(0);
            case 'b' -> {
                if (inClass) {
                    yield CodePointSet.single('\b');
                }
                throw error(start, "word boundaries ('\\b') are not supported");
            }
            case 'B' -> throw error(start, "word boundaries ('\\B') are not supported");
            case 'x' -> CodePointSet.single(hex(2));
            case 'u' -> {
                if (pos < text.length && text[pos] == '{') {
                    pos++;
                    int end = pos;
                    while (end < text.length && text[end] != '}') {
                        end++;
                    }
                    int value = hex(end - pos);
                    pos++;
                    yield CodePointSet.single(value);
                }
                yield CodePointSet.single(hex(4));
            }
            case 'c' -> {
                if (pos < text.length && Character.isLetter(text[pos]) && text[pos] < 128) {
                    yield CodePointSet.single(text[pos++] % 32);
                }
                throw error(start, "'\\c' needs a letter");
            }
            case 'p', 'P' -> throw error(start, "Unicode property escapes ('\\" + Character.toString(c) + "') are not supported");
            case 'k' -> throw error(start, "backreferences are not supported");
            default -> {
                if (c >= '1' && c <= '9') {
                    throw error(start, "backreferences are not supported");
                }
                if (Character.isLetterOrDigit(c)) {
                    throw error(start, "unknown escape '\\" + Character.toString(c) + "'");
                }
                yield CodePointSet.single(c);
            }
        };
    }

    private int hex(int digits) {
        if (digits < 1 || digits > 6) {
            throw error("bad hex escape");
        }
        int value = 0;
        for (int i = 0; i < digits; i++) {
            int d = pos < text.length ? Character.digit(text[pos], 16) : -1;
            if (d < 0) {
                throw error("bad hex escape");
            }
            value = value * 16 + d;
            pos++;
        }
        if (value > CodePointSet.MAX) {
            throw error("escape beyond U+10FFFF");
        }
        return value;
    }

    /** The JSON string text for one character out of {@code set}: plain where it may be, else escaped. */
    static Expr encode(CodePointSet set) {
        List<Expr> options = new ArrayList<>();
        CodePointSet plain = set.intersect(PLAIN);
        if (!plain.isEmpty()) {
            options.add(Expr.chars(plain));
        }
        CodePointSet escaped = set.intersect(ESCAPED);
        for (int r = 0; r < escaped.rangeCount(); r++) {
            for (int cp = escaped.lo(r); cp <= escaped.hi(r); cp++) {
                options.add(Expr.lit(escapeChar(cp)));
            }
        }
        return options.isEmpty() ? new Expr.CharClass(CodePointSet.EMPTY) : Expr.alt(options);
    }

    private static String escapeChar(int cp) {
        return switch (cp) {
            case '"' -> "\\\"";
            case '\\' -> "\\\\";
            case '\b' -> "\\b";
            case '\f' -> "\\f";
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            default -> String.format("\\u%04x", cp);
        };
    }

    private InvalidRequestException error(String message) {
        return error(pos, message);
    }

    private InvalidRequestException error(int at, String message) {
        return new InvalidRequestException("json_schema: pattern at " + where + ": " + message + " (at character "
                + (at + 1) + ")");
    }
}
