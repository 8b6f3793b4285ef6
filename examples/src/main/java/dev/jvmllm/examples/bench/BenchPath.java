package dev.jvmllm.examples.bench;

/** One way of generating that the benchmark times: a row of the table. */
interface BenchPath extends AutoCloseable {

    String path();

    String backend();

    int concurrency();

    /**
     * How many sequences the KV cache behind this path is sized for. llama.cpp's forward pass
     * costs more with a larger cache even when few sequences use it, so only rows with the same
     * cache compare serving costs.
     */
    int cacheSequences();

    /** Generates the benchmark's requests once and says how many tokens came out. */
    long runOnce() throws Exception;

    @Override
    default void close() throws Exception {
    }
}
