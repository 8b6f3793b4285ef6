package dev.jvmllm.examples.bench;

/**
 * One line of the benchmark table (and one object of its JSON).
 *
 * @param path direct, scheduled, http, http-stream or peer (java-llama.cpp's own LlamaModel)
 * @param backend the backend that ran the model
 * @param concurrency sequences (direct), streams (scheduled, peer) or clients (http) at once
 * @param tokens tokens generated in one timed run of this row, all sequences and rounds together
 * @param seconds median wall time of one run
 * @param tokensPerSecond tokens / seconds: the aggregate over all sequences
 * @param vsDirect tokensPerSecond divided by the direct row of the same backend and concurrency
 * @param runs how many timed runs the median is taken over
 */
public record BenchRow(String path, String backend, int concurrency, long tokens, double seconds,
                       double tokensPerSecond, double vsDirect, int runs) {
}
