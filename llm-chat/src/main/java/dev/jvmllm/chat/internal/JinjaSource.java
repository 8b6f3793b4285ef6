package dev.jvmllm.chat.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A template's text made to mean to Jinjava what it means to Python's Jinja, where Jinjava's
 * parser differs in what chat templates use:
 * <ul>
 * <li>Whitespace control on expression tags: Jinjava honours the block tags' <code>{%-</code> and
 *     <code>-%}</code> but not <code>{{-</code> and <code>-}}</code>, which nearly every template of a model
 *     with tool support is written with. The whitespace they remove is removed from the text.</li>
 * <li>The precedence of {@code not}: in Python it binds more loosely than comparisons and
 *     tests, so {@code not tools is none} is {@code not (tools is none)}; Jinjava's parser reads
 *     {@code (not tools) is none}. Each {@code not}'s operand is put in parentheses, up to the
 *     next {@code and}, {@code or}, {@code if}, {@code else}, comma or closing bracket.</li>
 * <li>Reversing by slice, {@code messages[::-1]} (Qwen 3), which Jinjava's parser refuses: it
 *     becomes {@code (messages|reverse|list)}.</li>
 * <li>Keyword arguments: Jinjava reads {@code namespace(last=messages|length - 1)} as
 *     {@code (last=messages|length) - 1}. A keyword argument's value that is more than a name or
 *     a literal is put in parentheses.</li>
 * </ul>
 * Comments are removed, with the whitespace Jinja trims around them (as around blocks, and for
 * <code>{#-</code> and <code>-#}</code>), which Jinjava does not all trim. String literals and
 * {@code raw} blocks are kept as they are. Lines keep their
 * numbers in the sense of {@link #originalLine}, for error messages.
 *
 * @param text       the text for Jinjava
 * @param lineStarts for each line of {@code text}, the line of the template its first character is on
 */
record JinjaSource(String text, int[] lineStarts) {

    static JinjaSource of(String template) {
        return new Builder(template).build();
    }

    /** The template's line of {@code text}'s line {@code line} (both from 1). */
    int originalLine(int line) {
        return line >= 1 && line <= lineStarts.length ? lineStarts[line - 1] : line;
    }

    private static final class Builder {
        private final String template;
        private final StringBuilder out;
        private final List<Integer> lineStarts = new ArrayList<>();
        /** The line of the template being read. */
        private int line = 1;
        private int breaksOut;

        Builder(String template) {
            this.template = template;
            this.out = new StringBuilder(template.length() + 64);
        }

        JinjaSource build() {
            boolean stripNext = false;
            int i = 0;
            int n = template.length();
            while (i < n) {
                if (template.startsWith("{#", i)) {
                    // comments are removed here, trimmed as Jinja trims them: like blocks
                    int end = template.indexOf("#}", i + 2);
                    end = end < 0 ? n : end + 2;
                    String inner = template.substring(i + 2, Math.max(i + 2, end - 2));
                    if (inner.startsWith("-")) {
                        stripEmitted();
                    } else if (!inner.startsWith("+")) {
                        stripLineStart();
                    }
                    inner.chars().filter(c -> c == '\n').forEach(c -> line++);
                    i = end;
                    stripNext = inner.endsWith("-");
                    if (!stripNext && i < n && template.charAt(i) == '\n') {
                        line++;
                        i++;
                    }
                } else if (template.startsWith("{%", i)) {
                    int end = tagEnd(template, i + 2, "%}");
                    String inner = template.substring(i + 2, Math.max(i + 2, end - 2));
                    emit("{%" + expression(inner) + "%}");
                    i = end;
                    stripNext = false;
                    if (isTag(inner, "raw")) {
                        int close = rawEnd(i);
                        emit(template.substring(i, close));
                        i = close;
                    }
                } else if (template.startsWith("{{", i)) {
                    int end = tagEnd(template, i + 2, "}}");
                    String inner = template.substring(i + 2, Math.max(i + 2, end - 2));
                    if (inner.startsWith("-")) {
                        stripEmitted();
                        inner = inner.substring(1);
                    }
                    stripNext = inner.endsWith("-");
                    if (stripNext) {
                        inner = inner.substring(0, inner.length() - 1);
                    }
                    emit("{{" + expression(inner) + "}}");
                    i = end;
                } else {
                    char c = template.charAt(i);
                    if (!(stripNext && Character.isWhitespace(c))) {
                        stripNext = false;
                        emit(String.valueOf(c));
                    } else if (c == '\n') {
                        line++;
                    }
                    i++;
                }
            }
            return new JinjaSource(out.toString(), lineStarts.stream().mapToInt(Integer::intValue).toArray());
        }

        /** Appends text that stands for the template's next characters: its line breaks are the template's, in order. */
        private void emit(String text) {
            for (int k = 0; k < text.length(); k++) {
                char c = text.charAt(k);
                if (out.isEmpty() || out.charAt(out.length() - 1) == '\n') {
                    lineStarts.add(line);
                }
                out.append(c);
                if (c == '\n') {
                    line++;
                    breaksOut++;
                }
            }
        }

        /** After characters were taken off the end: forgets the lines that no longer start. */
        private void truncate(int length) {
            for (int k = length; k < out.length(); k++) {
                if (out.charAt(k) == '\n') {
                    breaksOut--;
                }
            }
            out.setLength(length);
            int started = breaksOut + (out.isEmpty() || out.charAt(out.length() - 1) == '\n' ? 0 : 1);
            while (lineStarts.size() > started) {
                lineStarts.removeLast();
            }
        }

        /** lstrip_blocks: removes the spaces and tabs that are all of the line so far. */
        private void stripLineStart() {
            int keep = out.length();
            while (keep > 0 && (out.charAt(keep - 1) == ' ' || out.charAt(keep - 1) == '\t')) {
                keep--;
            }
            if (keep == 0 || out.charAt(keep - 1) == '\n') {
                truncate(keep);
            }
        }

        /** Removes the whitespace emitted last, as <code>{{-</code> does. */
        private void stripEmitted() {
            int keep = out.length();
            while (keep > 0 && Character.isWhitespace(out.charAt(keep - 1))) {
                keep--;
            }
            truncate(keep);
        }

        private int rawEnd(int from) {
            int i = from;
            while ((i = template.indexOf("{%", i)) >= 0) {
                int end = tagEnd(template, i + 2, "%}");
                if (isTag(template.substring(i + 2, Math.max(i + 2, end - 2)), "endraw")) {
                    return i;
                }
                i = end;
            }
            return template.length();
        }
    }

    private static boolean isTag(String inner, String name) {
        String s = inner.strip();
        s = s.startsWith("-") || s.startsWith("+") ? s.substring(1) : s;
        s = s.endsWith("-") || s.endsWith("+") ? s.substring(0, s.length() - 1) : s;
        return s.strip().equals(name);
    }

    /** The index after the tag's {@code close}; string literals and brackets are skipped. */
    private static int tagEnd(String template, int from, String close) {
        int depth = 0;
        int i = from;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c == '\'' || c == '"') {
                i = stringEnd(template, i);
                continue;
            }
            if (depth == 0 && template.startsWith(close, i)) {
                return i + close.length();
            }
            if (c == '{' || c == '[' || c == '(') {
                depth++;
            } else if ((c == '}' || c == ']' || c == ')') && depth > 0) {
                depth--;
            }
            i++;
        }
        return template.length();
    }

    private static int stringEnd(String text, int quote) {
        char q = text.charAt(quote);
        int i = quote + 1;
        while (i < text.length() && text.charAt(i) != q) {
            i += text.charAt(i) == '\\' ? 2 : 1;
        }
        return Math.min(i + 1, text.length());
    }

    private static String expression(String inner) {
        return parenthesizeNot(parenthesizeKeywordValues(reverseSlices(inner)));
    }

    /** {@code f(a=x - 1)} as {@code f(a=(x - 1))}. */
    static String parenthesizeKeywordValues(String expression) {
        if (!expression.contains("=")) {
            return expression;
        }
        StringBuilder out = new StringBuilder(expression.length() + 8);
        ArrayDeque<Character> open = new ArrayDeque<>();
        int i = 0;
        int n = expression.length();
        while (i < n) {
            char c = expression.charAt(i);
            if (c == '\'' || c == '"') {
                int end = stringEnd(expression, i);
                out.append(expression, i, end);
                i = end;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                open.push(c);
            } else if ((c == ')' || c == ']' || c == '}') && !open.isEmpty()) {
                open.pop();
            }
            out.append(c);
            i++;
            // `name=` right inside a call's parentheses; not `==`, `!=`, `<=`, `>=`
            boolean keyword = c == '=' && !open.isEmpty() && open.peek() == '(' && i < n && expression.charAt(i) != '='
                    && i >= 2 && "=!<>".indexOf(expression.charAt(i - 2)) < 0 && isKeywordBefore(out);
            if (keyword) {
                int end = argumentEnd(expression, i);
                String value = expression.substring(i, end);
                out.append(isSimple(value) ? value : "(" + value + ")");
                i = end;
            }
        }
        return out.toString();
    }

    /** Whether the {@code =} just written follows {@code (name} or {@code , name}. */
    private static boolean isKeywordBefore(StringBuilder out) {
        int i = out.length() - 1;
        while (i > 0 && Character.isWhitespace(out.charAt(i - 1))) {
            i--;
        }
        int end = i;
        while (i > 0 && isWordChar(out.charAt(i - 1))) {
            i--;
        }
        if (i == end) {
            return false;
        }
        while (i > 0 && Character.isWhitespace(out.charAt(i - 1))) {
            i--;
        }
        return i > 0 && (out.charAt(i - 1) == '(' || out.charAt(i - 1) == ',');
    }

    /** Where a keyword argument's value ends: at the first comma or closing bracket outside brackets and strings. */
    private static int argumentEnd(String expression, int from) {
        return boundary(expression, from, expression.length(), false);
    }

    private static boolean isSimple(String value) {
        String v = value.strip();
        if (v.length() >= 2 && (v.charAt(0) == '\'' || v.charAt(0) == '"') && stringEnd(v, 0) == v.length()) {
            return true;
        }
        return !v.isEmpty() && v.chars().allMatch(ch -> isWordChar((char) ch) || ch == '.');
    }

    /** {@code x[::-1]} as {@code (x|reverse|list)}, x the name, attributes, subscripts and calls before it. */
    static String reverseSlices(String expression) {
        if (!expression.contains("[::-1]")) {
            return expression;
        }
        StringBuilder out = new StringBuilder(expression.length() + 16);
        int i = 0;
        while (i < expression.length()) {
            char c = expression.charAt(i);
            if (c == '\'' || c == '"') {
                int end = stringEnd(expression, i);
                out.append(expression, i, end);
                i = end;
            } else if (expression.startsWith("[::-1]", i)) {
                int start = primaryStart(out);
                String primary = out.substring(start);
                out.setLength(start);
                out.append('(').append(primary).append("|reverse|list)");
                i += "[::-1]".length();
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** Where the primary expression that ends {@code text} starts. */
    private static int primaryStart(CharSequence text) {
        int i = text.length();
        while (i > 0) {
            char c = text.charAt(i - 1);
            if (isWordChar(c) || c == '.') {
                i--;
            } else if (c == ']' || c == ')') {
                char open = c == ']' ? '[' : '(';
                int depth = 0;
                do {
                    char d = text.charAt(--i);
                    depth += d == c ? 1 : d == open ? -1 : 0;
                } while (i > 0 && depth > 0);
            } else {
                break;
            }
        }
        return i;
    }

    /** {@code not X} as {@code not (X)}, X reaching to the next {@code and}, {@code or}, {@code if}, {@code else}, comma or closing bracket. */
    static String parenthesizeNot(String expression) {
        StringBuilder out = new StringBuilder(expression.length() + 8);
        int i = 0;
        int n = expression.length();
        while (i < n) {
            char c = expression.charAt(i);
            if (c == '\'' || c == '"') {
                int end = stringEnd(expression, i);
                out.append(expression, i, end);
                i = end;
            } else if (isWordStart(expression, i)) {
                int end = wordEnd(expression, i);
                String word = expression.substring(i, end);
                if (word.equals("not") && !previousWord(expression, i).equals("is") && !nextWord(expression, end).equals("in")) {
                    int operandEnd = operandEnd(expression, end);
                    out.append("not (").append(parenthesizeNot(expression.substring(end, operandEnd))).append(')');
                    i = operandEnd;
                } else {
                    out.append(word);
                    i = end;
                }
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** Where the operand of a {@code not} ends: as an argument does, or at a top-level and/or/if/else. */
    private static int operandEnd(String expression, int from) {
        int end = expression.length();
        // the dash of `-%}` ends the tag's text, not the operand
        while (end > from && Character.isWhitespace(expression.charAt(end - 1))) {
            end--;
        }
        if (end > from && (expression.charAt(end - 1) == '-' || expression.charAt(end - 1) == '+')) {
            end--;
        }
        return boundary(expression, from, end, true);
    }

    /**
     * The first index from {@code from} (before {@code end}) of a comma or closing bracket that is
     * outside any brackets and strings, or with {@code atLogicWords} of a top-level {@code and},
     * {@code or}, {@code if} or {@code else}; {@code end} if there is none.
     */
    private static int boundary(String expression, int from, int end, boolean atLogicWords) {
        int depth = 0;
        int i = from;
        while (i < end) {
            char c = expression.charAt(i);
            if (c == '\'' || c == '"') {
                i = stringEnd(expression, i);
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) {
                    return i;
                }
                depth--;
            } else if (depth == 0 && c == ',') {
                return i;
            } else if (atLogicWords && depth == 0 && isWordStart(expression, i)) {
                int wordEnd = wordEnd(expression, i);
                String word = expression.substring(i, wordEnd);
                if (word.equals("and") || word.equals("or") || word.equals("if") || word.equals("else")) {
                    return i;
                }
                i = wordEnd;
                continue;
            }
            i++;
        }
        return end;
    }

    private static boolean isWordStart(String text, int i) {
        char c = text.charAt(i);
        return (Character.isLetter(c) || c == '_') && (i == 0 || !isWordChar(text.charAt(i - 1)) && text.charAt(i - 1) != '.');
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private static int wordEnd(String text, int i) {
        int end = i;
        while (end < text.length() && isWordChar(text.charAt(end))) {
            end++;
        }
        return end;
    }

    private static String previousWord(String text, int before) {
        int end = before;
        while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        int start = end;
        while (start > 0 && isWordChar(text.charAt(start - 1))) {
            start--;
        }
        return text.substring(start, end);
    }

    private static String nextWord(String text, int from) {
        int start = from;
        while (start < text.length() && Character.isWhitespace(text.charAt(start))) {
            start++;
        }
        return text.substring(start, wordEnd(text, start));
    }
}
