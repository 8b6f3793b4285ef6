package dev.jvmllm.chat.internal;

/**
 * Checks one JSON object or array character by character, as it streams, and tells a
 * {@link Listener} where values start and end, keys, the unescaped characters of string values,
 * and each character that is not whitespace between tokens. Strict JSON (RFC 8259): a character
 * that cannot continue the text is refused, and the scanner is then done with.
 */
final class JsonScanner {

    /** Called as the text goes; {@code depth} is the number of objects and arrays around a value (0 for the top one). */
    interface Listener {
        /** A value begins with {@code first}, before {@link #significant} sees that character. */
        void valueStart(int depth, char first);

        /** An object's key has ended; the value at {@code depth} that follows is under it. */
        void key(int depth, String key);

        /** A character of a string value, unescaped. */
        void stringChar(int depth, char c);

        /** The value at {@code depth} has ended, after {@link #significant} saw its last character. */
        void valueEnd(int depth);

        /** A character of the JSON text that is not whitespace between tokens. */
        void significant(char c);
    }

    enum Result {
        /** Taken; the value goes on. */
        MORE,
        /** Taken; it ended the top value. */
        DONE,
        /** Not JSON here. */
        REFUSED
    }

    // what a container expects next
    private static final int KEY_OR_END = 0;
    private static final int KEY = 1;
    private static final int COLON = 2;
    private static final int VALUE = 3;
    private static final int COMMA_OR_END = 4;
    private static final int VALUE_OR_END = 5;

    // the scalar being read, if any
    private static final int NONE = 0;
    private static final int STRING = 1;
    private static final int ESCAPE = 2;
    private static final int UNICODE = 3;
    private static final int NUMBER = 4;
    private static final int LITERAL = 5;

    // where a number is: after '-', after a leading 0, in the integer digits, after '.', in the fraction, after 'e', after its sign, in the exponent
    private static final int N_MINUS = 0;
    private static final int N_ZERO = 1;
    private static final int N_INT = 2;
    private static final int N_DOT = 3;
    private static final int N_FRACTION = 4;
    private static final int N_E = 5;
    private static final int N_E_SIGN = 6;
    private static final int N_EXPONENT = 7;

    private final Listener listener;
    /** Per open container: true for an object. */
    private boolean[] objects = new boolean[16];
    private int[] expects = new int[16];
    private int depth;
    private int scalar = NONE;
    private boolean inKey;
    private final StringBuilder key = new StringBuilder();
    private int number;
    private String literal;
    private int literalAt;
    private int unicode;
    private int unicodeDigits;
    private boolean started;

    JsonScanner(Listener listener) {
        this.listener = listener;
    }

    Result accept(char c) {
        switch (scalar) {
            case STRING -> {
                return string(c);
            }
            case ESCAPE -> {
                return escape(c);
            }
            case UNICODE -> {
                return unicode(c);
            }
            case LITERAL -> {
                if (c != literal.charAt(literalAt)) {
                    return Result.REFUSED;
                }
                listener.significant(c);
                if (++literalAt == literal.length()) {
                    scalar = NONE;
                    return valueEnded();
                }
                return Result.MORE;
            }
            case NUMBER -> {
                if (continuesNumber(c)) {
                    listener.significant(c);
                    return Result.MORE;
                }
                if (number == N_MINUS || number == N_DOT || number == N_E || number == N_E_SIGN) {
                    return Result.REFUSED;
                }
                scalar = NONE;
                valueEnded();
                // the character after a number belongs to its container
                return structural(c);
            }
            default -> {
                return structural(c);
            }
        }
    }

    private Result structural(char c) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            return started ? Result.MORE : Result.REFUSED;
        }
        if (!started) {
            if (c != '{' && c != '[') {
                return Result.REFUSED;
            }
            started = true;
            return value(c);
        }
        int expect = expects[depth - 1];
        boolean object = objects[depth - 1];
        switch (expect) {
            case KEY_OR_END, KEY -> {
                if (c == '"') {
                    listener.significant(c);
                    inKey = true;
                    key.setLength(0);
                    scalar = STRING;
                    return Result.MORE;
                }
                return expect == KEY_OR_END && c == '}' ? close(c) : Result.REFUSED;
            }
            case COLON -> {
                if (c != ':') {
                    return Result.REFUSED;
                }
                listener.significant(c);
                expects[depth - 1] = VALUE;
                return Result.MORE;
            }
            case VALUE -> {
                return value(c);
            }
            case VALUE_OR_END -> {
                return c == ']' ? close(c) : value(c);
            }
            case COMMA_OR_END -> {
                if (c == ',') {
                    listener.significant(c);
                    expects[depth - 1] = object ? KEY : VALUE;
                    return Result.MORE;
                }
                return c == (object ? '}' : ']') ? close(c) : Result.REFUSED;
            }
            default -> throw new IllegalStateException("expects " + expect);
        }
    }

    private Result value(char c) {
        switch (c) {
            case '{', '[' -> {
                listener.valueStart(depth, c);
                listener.significant(c);
                push(c == '{');
                return Result.MORE;
            }
            case '"' -> {
                listener.valueStart(depth, c);
                listener.significant(c);
                inKey = false;
                scalar = STRING;
                return Result.MORE;
            }
            case 't', 'f', 'n' -> {
                listener.valueStart(depth, c);
                listener.significant(c);
                literal = c == 't' ? "true" : c == 'f' ? "false" : "null";
                literalAt = 1;
                scalar = LITERAL;
                return Result.MORE;
            }
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    listener.valueStart(depth, c);
                    listener.significant(c);
                    number = c == '-' ? N_MINUS : c == '0' ? N_ZERO : N_INT;
                    scalar = NUMBER;
                    return Result.MORE;
                }
                return Result.REFUSED;
            }
        }
    }

    private boolean continuesNumber(char c) {
        boolean digit = c >= '0' && c <= '9';
        int next = switch (number) {
            case N_MINUS -> c == '0' ? N_ZERO : digit ? N_INT : -1;
            case N_ZERO -> c == '.' ? N_DOT : (c == 'e' || c == 'E') ? N_E : -1;
            case N_INT -> digit ? N_INT : c == '.' ? N_DOT : (c == 'e' || c == 'E') ? N_E : -1;
            case N_DOT, N_FRACTION -> digit ? N_FRACTION : (number == N_FRACTION && (c == 'e' || c == 'E')) ? N_E : -1;
            case N_E -> digit ? N_EXPONENT : (c == '+' || c == '-') ? N_E_SIGN : -1;
            case N_E_SIGN, N_EXPONENT -> digit ? N_EXPONENT : -1;
            default -> -1;
        };
        if (next < 0) {
            return false;
        }
        number = next;
        return true;
    }

    private Result string(char c) {
        if (c < 0x20) {
            return Result.REFUSED;
        }
        listener.significant(c);
        if (c == '"') {
            scalar = NONE;
            if (inKey) {
                expects[depth - 1] = COLON;
                listener.key(depth, key.toString());
                return Result.MORE;
            }
            return valueEnded();
        }
        if (c == '\\') {
            scalar = ESCAPE;
            return Result.MORE;
        }
        character(c);
        return Result.MORE;
    }

    private Result escape(char c) {
        char unescaped;
        switch (c) {
            case '"', '\\', '/' -> unescaped = c;
            case 'b' -> unescaped = '\b';
            case 'f' -> unescaped = '\f';
            case 'n' -> unescaped = '\n';
            case 'r' -> unescaped = '\r';
            case 't' -> unescaped = '\t';
            case 'u' -> {
                listener.significant(c);
                scalar = UNICODE;
                unicode = 0;
                unicodeDigits = 0;
                return Result.MORE;
            }
            default -> {
                return Result.REFUSED;
            }
        }
        listener.significant(c);
        scalar = STRING;
        character(unescaped);
        return Result.MORE;
    }

    private Result unicode(char c) {
        int digit = Character.digit(c, 16);
        if (digit < 0) {
            return Result.REFUSED;
        }
        listener.significant(c);
        unicode = unicode * 16 + digit;
        if (++unicodeDigits == 4) {
            scalar = STRING;
            character((char) unicode);
        }
        return Result.MORE;
    }

    private void character(char c) {
        if (inKey) {
            key.append(c);
        } else {
            listener.stringChar(depth, c);
        }
    }

    private void push(boolean object) {
        if (depth == objects.length) {
            objects = java.util.Arrays.copyOf(objects, depth * 2);
            expects = java.util.Arrays.copyOf(expects, depth * 2);
        }
        objects[depth] = object;
        expects[depth] = object ? KEY_OR_END : VALUE_OR_END;
        depth++;
    }

    private Result close(char c) {
        listener.significant(c);
        depth--;
        return valueEnded();
    }

    /** The value just read (scalar or container) has ended at the current depth. */
    private Result valueEnded() {
        listener.valueEnd(depth);
        if (depth == 0) {
            return Result.DONE;
        }
        expects[depth - 1] = COMMA_OR_END;
        return Result.MORE;
    }
}
