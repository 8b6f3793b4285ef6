package dev.jvmllm.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * A grammar for the decimal integers in a closed range, in JSON's syntax (no leading zeros, no
 * {@code -0}): split by number of digits, then digit by digit into prefixes followed by a digit
 * range and free digits, as a regex for a numeric range is written by hand.
 */
final class IntegerRanges {
    /** The widest integer the grammars write: 15 digits, so that no model can loop in digits. */
    static final long LIMIT = 999_999_999_999_999L;

    private static final Expr DIGIT = new Expr.CharClass(CodePointSet.range('0', '9'));

    private IntegerRanges() {}

    /** The integers {@code lo .. hi}, both within {@code ±LIMIT}, {@code lo <= hi}. */
    static Expr of(long lo, long hi) {
        List<Expr> options = new ArrayList<>();
        if (lo < 0) {
            options.add(Expr.seq(Expr.lit("-"), nonNegative(-Math.min(hi, -1), -lo)));
        }
        if (hi >= 0) {
            options.add(nonNegative(Math.max(lo, 0), hi));
        }
        return Expr.alt(options);
    }

    private static Expr nonNegative(long a, long b) {
        List<Expr> options = new ArrayList<>();
        if (a == 0) {
            options.add(Expr.lit("0"));
            a = 1;
            if (b == 0) {
                return options.getFirst();
            }
        }
        // Digit counts whose whole range is included merge into one [1-9][0-9]{m,n}.
        int firstFull = -1;
        for (int d = digits(a); d <= digits(b); d++) {
            long from = Math.max(a, pow10(d - 1));
            long to = Math.min(b, pow10(d) - 1);
            boolean full = from == pow10(d - 1) && to == pow10(d) - 1;
            if (full) {
                if (firstFull < 0) {
                    firstFull = d;
                }
                if (d < digits(b) && b >= pow10(d + 1) - 1) {
                    continue;
                }
                options.add(Expr.seq(new Expr.CharClass(CodePointSet.range('1', '9')), freeDigits(firstFull - 1, d - 1)));
                firstFull = -1;
            } else {
                options.add(sameLength(Long.toString(from), Long.toString(to)));
            }
        }
        return Expr.alt(options);
    }

    /** The numbers from {@code x} to {@code y}, written with the same number of digits. */
    private static Expr sameLength(String x, String y) {
        int i = 0;
        while (i < x.length() && x.charAt(i) == y.charAt(i)) {
            i++;
        }
        if (i == x.length()) {
            return Expr.lit(x);
        }
        Expr prefix = Expr.lit(x.substring(0, i));
        char low = x.charAt(i);
        char high = y.charAt(i);
        String lowRest = x.substring(i + 1);
        String highRest = y.substring(i + 1);
        int free = lowRest.length();
        List<Expr> options = new ArrayList<>();
        char middleLow = low;
        char middleHigh = high;
        if (!allOf(lowRest, '0')) {
            options.add(Expr.seq(Expr.lit(String.valueOf(low)), sameLength(lowRest, "9".repeat(free))));
            middleLow++;
        }
        Expr highPart = null;
        if (!allOf(highRest, '9')) {
            highPart = Expr.seq(Expr.lit(String.valueOf(high)), sameLength("0".repeat(free), highRest));
            middleHigh--;
        }
        if (middleLow <= middleHigh) {
            options.add(Expr.seq(Expr.chars(CodePointSet.range(middleLow, middleHigh)), freeDigits(free, free)));
        }
        if (highPart != null) {
            options.add(highPart);
        }
        return Expr.seq(prefix, Expr.alt(options));
    }

    private static Expr freeDigits(int min, int max) {
        if (max == 0) {
            return Expr.EMPTY;
        }
        return min == 1 && max == 1 ? DIGIT : new Expr.Repeat(DIGIT, min, max);
    }

    private static boolean allOf(String s, char c) {
        return s.chars().allMatch(x -> x == c);
    }

    private static int digits(long v) {
        return Long.toString(v).length();
    }

    private static long pow10(int n) {
        long p = 1;
        for (int i = 0; i < n; i++) {
            p *= 10;
        }
        return p;
    }
}
