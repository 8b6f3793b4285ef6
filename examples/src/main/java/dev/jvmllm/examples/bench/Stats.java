package dev.jvmllm.examples.bench;

import java.util.Arrays;

/** Order statistics of a bench's measurements. */
final class Stats {
    private Stats() {
    }

    /** The median: the middle value; of an even count, the upper of the middle two (a value that was measured). */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** The nearest-rank percentile ({@code quantile} in 0..1); NaN of no values. */
    static double percentile(double[] values, double quantile) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1))];
    }
}
