package dev.jvmllm.grammar;

import java.util.Arrays;

/**
 * An immutable set of Unicode code points ({@code 0 .. 0x10FFFF}), kept as sorted, disjoint,
 * non-adjacent closed ranges. Members below 128 are also kept in a bitmap, because ASCII is what
 * grammars test most.
 */
final class CodePointSet {
    static final int MAX = 0x10FFFF;
    static final CodePointSet EMPTY = new CodePointSet(new int[0]);
    static final CodePointSet ANY = new CodePointSet(new int[] {0, MAX});

    /** lo0, hi0, lo1, hi1, ...: sorted, disjoint, not touching. */
    private final int[] ranges;
    private final long ascii0;
    private final long ascii1;

    private CodePointSet(int[] ranges) {
        this.ranges = ranges;
        long a0 = 0;
        long a1 = 0;
        for (int i = 0; i < ranges.length && ranges[i] < 128; i += 2) {
            for (int c = ranges[i], hi = Math.min(ranges[i + 1], 127); c <= hi; c++) {
                if (c < 64) {
                    a0 |= 1L << c;
                } else {
                    a1 |= 1L << (c - 64);
                }
            }
        }
        ascii0 = a0;
        ascii1 = a1;
    }

    static CodePointSet single(int cp) {
        return new CodePointSet(new int[] {cp, cp});
    }

    static CodePointSet range(int lo, int hi) {
        return lo > hi ? EMPTY : new CodePointSet(new int[] {lo, hi});
    }

    /** The set of the given closed ranges ({@code lo, hi} pairs), in any order, overlapping or not. */
    static CodePointSet ofRanges(int... pairs) {
        int n = pairs.length / 2;
        long[] sorted = new long[n];
        for (int i = 0; i < n; i++) {
            sorted[i] = ((long) pairs[2 * i] << 32) | (pairs[2 * i + 1] & 0xFFFFFFFFL);
        }
        Arrays.sort(sorted);
        int[] out = new int[2 * n];
        int len = 0;
        for (long r : sorted) {
            int lo = (int) (r >> 32);
            int hi = (int) r;
            if (lo > hi) {
                continue;
            }
            if (len > 0 && lo <= out[len - 1] + 1) {
                out[len - 1] = Math.max(out[len - 1], hi);
            } else {
                out[len++] = lo;
                out[len++] = hi;
            }
        }
        return new CodePointSet(Arrays.copyOf(out, len));
    }

    boolean contains(int cp) {
        if (cp < 64) {
            return cp >= 0 && (ascii0 & (1L << cp)) != 0;
        }
        if (cp < 128) {
            return (ascii1 & (1L << (cp - 64))) != 0;
        }
        int i = find(cp);
        return i >= 0 && ranges[i + 1] >= cp;
    }

    /** Whether some member lies in {@code lo .. hi}. */
    boolean intersects(int lo, int hi) {
        if (lo > hi) {
            return false;
        }
        int i = find(lo);
        if (i >= 0 && ranges[i + 1] >= lo) {
            return true;
        }
        int next = i + 2;
        return next < ranges.length && ranges[next] <= hi;
    }

    /** Whether every code point in {@code lo .. hi} is a member. */
    boolean containsAll(int lo, int hi) {
        int i = find(lo);
        return i >= 0 && ranges[i + 1] >= hi;
    }

    /** Index of the last range starting at or before {@code cp}, or -2. */
    private int find(int cp) {
        int lo = 0;
        int hi = ranges.length / 2 - 1;
        int found = -2;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (ranges[2 * mid] <= cp) {
                found = 2 * mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    boolean isEmpty() {
        return ranges.length == 0;
    }

    int rangeCount() {
        return ranges.length / 2;
    }

    int lo(int range) {
        return ranges[2 * range];
    }

    int hi(int range) {
        return ranges[2 * range + 1];
    }

    /** The only member, or -1 if there are none or several. */
    int singleMember() {
        return ranges.length == 2 && ranges[0] == ranges[1] ? ranges[0] : -1;
    }

    CodePointSet union(CodePointSet other) {
        int[] both = Arrays.copyOf(ranges, ranges.length + other.ranges.length);
        System.arraycopy(other.ranges, 0, both, ranges.length, other.ranges.length);
        return ofRanges(both);
    }

    CodePointSet complement() {
        int[] out = new int[ranges.length + 2];
        int len = 0;
        int next = 0;
        for (int i = 0; i < ranges.length; i += 2) {
            if (ranges[i] > next) {
                out[len++] = next;
                out[len++] = ranges[i] - 1;
            }
            next = ranges[i + 1] + 1;
        }
        if (next <= MAX) {
            out[len++] = next;
            out[len++] = MAX;
        }
        return new CodePointSet(Arrays.copyOf(out, len));
    }

    CodePointSet intersect(CodePointSet other) {
        return complement().union(other.complement()).complement();
    }

    CodePointSet minus(CodePointSet other) {
        return intersect(other.complement());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CodePointSet s && Arrays.equals(ranges, s.ranges);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ranges);
    }

    @Override
    public String toString() {
        return Expr.printClass(this);
    }
}
