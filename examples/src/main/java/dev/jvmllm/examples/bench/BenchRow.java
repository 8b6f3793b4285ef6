package dev.jvmllm.examples.bench;

import java.util.Arrays;
import java.util.List;

/**
 * One line of the benchmark table (and one object of its JSON).
 *
 * @param path direct, scheduled, http, http-stream or peer (java-llama.cpp's own LlamaModel)
 * @param backend the backend that ran the model
 * @param concurrency sequences (direct), streams (scheduled, peer) or clients (http) at once
 * @param cacheSequences how many sequences the KV cache behind the row is sized for
 * @param tokens tokens generated in one timed run of this row, all sequences and rounds together
 * @param seconds median wall time of one run
 * @param tokensPerSecond tokens / seconds: the aggregate over all sequences
 * @param vsDirect against the direct row of the same concurrency and cache: the median, over the
 *                 runs, of this row's tokens/s divided by the direct row's in the same run
 * @param runTokensPerSecond tokens/s of each timed run, in run order (the median is {@code tokensPerSecond})
 */
public record BenchRow(String path, String backend, int concurrency, int cacheSequences, long tokens, double seconds,
                       double tokensPerSecond, double vsDirect, List<Double> runTokensPerSecond) {

    /**
     * This row against another, run by run: the median of the per-run ratios. The runs of all rows
     * are interleaved, so run i of every row saw the machine in the same state; pairing them
     * keeps a noisy stretch from landing on one row only.
     */
    double pairedRatio(BenchRow base) {
        double[] ratios = new double[runTokensPerSecond.size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = runTokensPerSecond.get(i) / base.runTokensPerSecond().get(i);
        }
        Arrays.sort(ratios);
        return ratios[ratios.length / 2];
    }

    /**
     * How much longer than {@code base} one request of this row took, in milliseconds: the median,
     * over the runs, of the difference in wall time divided by the requests of a run. For rows that
     * generate the same tokens per request, it tells a fixed cost per request from a cost per token.
     */
    double pairedExtraMillisPerRequest(BenchRow base, int requestsPerRun) {
        double[] extra = new double[runTokensPerSecond.size()];
        for (int i = 0; i < extra.length; i++) {
            double seconds = tokens / runTokensPerSecond.get(i) - base.tokens() / base.runTokensPerSecond().get(i);
            extra[i] = seconds * 1000 / requestsPerRun;
        }
        Arrays.sort(extra);
        return extra[extra.length / 2];
    }

    /** The row's name in the ratios below the table: the cache appears where it is not one sequence per stream. */
    String label() {
        return path + " x" + concurrency + (cacheSequences == concurrency ? "" : " (cache " + cacheSequences + ")");
    }
}
