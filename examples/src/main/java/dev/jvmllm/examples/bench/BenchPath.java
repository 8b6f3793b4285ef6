package dev.jvmllm.examples.bench;

/** One way of generating that the benchmark times: a row of the table. */
interface BenchPath extends AutoCloseable {

    String path();

    String backend();

    int concurrency();

    /** Generates the benchmark's requests once and says how many tokens came out. */
    long runOnce() throws Exception;

    @Override
    default void close() throws Exception {
    }
}
