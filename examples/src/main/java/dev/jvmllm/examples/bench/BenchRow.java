package dev.jvmllm.examples.bench;

import java.util.List;

/**
 * One line of the benchmark table (and one object of its JSON).
 *
 * @param library what ran the model ({@link Configuration#library()})
 * @param threads CPU threads of a forward pass over several tokens
 * @param decodeThreads CPU threads of a pass over one token
 * @param kvCache unified, per-sequence, or {@code -} ({@link Configuration#kvCache()})
 * @param path direct, scheduled, http, http-stream or peer (java-llama.cpp's own LlamaModel)
 * @param backend the backend that ran the model
 * @param concurrency sequences (direct), streams (scheduled, peer) or clients (http) at once
 * @param cacheSequences how many sequences the KV cache behind the row is sized for
 * @param rounds rounds of requests in one timed run (each stream sent that many requests)
 * @param tokens tokens generated in one timed run of this row, all sequences and rounds together
 * @param seconds median wall time of one run
 * @param tokensPerSecond tokens / seconds: the aggregate over all sequences
 * @param vsDirect against its direct row ({@link BenchRows#directBase}): the median, over the runs,
 *                 of this row's tokens/s divided by the direct row's in the same run
 * @param msPerRequestVsDirect how many milliseconds longer than on its direct row a request took
 *                             ({@link #pairedExtraMillisPerRequest}); for a row of 8 streams, the
 *                             extra wall time of a round of 8 concurrent requests, which is the
 *                             latency each of them gained. 0 for the direct rows themselves
 * @param runTokensPerSecond tokens/s of each timed run, in run order (the median is {@code tokensPerSecond})
 */
public record BenchRow(String library, int threads, int decodeThreads, String kvCache, String path, String backend, int concurrency,
                       int cacheSequences, int rounds, long tokens, double seconds, double tokensPerSecond,
                       double vsDirect, double msPerRequestVsDirect, List<Double> runTokensPerSecond) {

    /** A row as measured, before it is compared with its direct row. */
    static BenchRow measured(Configuration configuration, BenchPath path, int rounds, long tokens, double seconds,
                             List<Double> runTokensPerSecond) {
        return new BenchRow(configuration.library(), configuration.threads(), configuration.decodeThreads(),
                configuration.kvCache(), path.path(),
                path.backend(), path.concurrency(), path.cacheSequences(), rounds, tokens, seconds, tokens / seconds,
                Double.NaN, Double.NaN, runTokensPerSecond);
    }

    /** This row with its ratio and extra time against {@code direct}, a row measured beside it. */
    BenchRow comparedWith(BenchRow direct) {
        return new BenchRow(library, threads, decodeThreads, kvCache, path, backend, concurrency, cacheSequences, rounds, tokens, seconds,
                tokensPerSecond, pairedRatio(direct), pairedExtraMillisPerRequest(direct), runTokensPerSecond);
    }

    Configuration configuration() {
        return new Configuration(library, threads, decodeThreads, kvCache);
    }

    /**
     * This row against another measured beside it, run by run: the median of the per-run ratios.
     * The runs of the rows of one process are interleaved, so run i of every row saw the machine
     * in the same state; pairing them keeps a noisy stretch from landing on one row only.
     */
    double pairedRatio(BenchRow base) {
        double[] ratios = new double[runTokensPerSecond.size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = runTokensPerSecond.get(i) / base.runTokensPerSecond().get(i);
        }
        return Stats.median(ratios);
    }

    /**
     * How much longer than {@code base} (measured beside it, with as many rounds) one request of
     * this row took, in milliseconds: the median, over the runs, of the difference in wall time
     * divided by the rounds of a run. For rows that generate the same tokens per request, it tells a
     * fixed cost per request from a cost per token. A round of concurrent streams counts as one
     * request: its wall time is what each of them waited.
     */
    double pairedExtraMillisPerRequest(BenchRow base) {
        double[] extra = new double[runTokensPerSecond.size()];
        for (int i = 0; i < extra.length; i++) {
            double seconds = tokens / runTokensPerSecond.get(i) - base.tokens() / base.runTokensPerSecond().get(i);
            extra[i] = seconds * 1000 / rounds;
        }
        return Stats.median(extra);
    }

    /**
     * This row against one measured in another process (another configuration's), whose runs do
     * not pair with its own: the ratio of the medians.
     */
    double medianRatio(BenchRow base) {
        return tokensPerSecond / base.tokensPerSecond();
    }

    /** The row's name in the checks below the table: the cache appears where it is not one sequence per stream. */
    String label() {
        return path + " x" + concurrency + (cacheSequences == concurrency ? "" : " (cache " + cacheSequences + ")");
    }
}
