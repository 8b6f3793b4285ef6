package dev.jvmllm.examples.bench;

/**
 * What a block of rows ran on: the library and the thread count. Rows compare with each other
 * within one configuration, and across configurations only where a check says so.
 *
 * @param library what ran the model, with its version ({@code llama.cpp b4916}, {@code onnxruntime
 *                1.23.2}; {@code java-llama.cpp b4916} for the peer)
 * @param threads CPU threads of a forward pass over several tokens (batches, prompts)
 * @param decodeThreads CPU threads of a pass over a single token (one stream's next token)
 * @param kvCache {@value #UNIFIED} (one KV cache for all sequences), {@value #PER_SEQUENCE}, or
 *                {@value #NOT_LLAMA_CPP} for a backend without llama.cpp's choice
 */
record Configuration(String library, int threads, int decodeThreads, String kvCache) {
    static final String UNIFIED = "unified";
    static final String PER_SEQUENCE = "per-sequence";
    static final String NOT_LLAMA_CPP = "-";

    /** Both thread counts the same. */
    static Configuration of(String library, int threads, String kvCache) {
        return new Configuration(library, threads, threads, kvCache);
    }

    /** The prefix of its checks, such as {@code [llama.cpp b4916, 2 threads]}. */
    String label() {
        return "[" + library + ", " + threadsLabel() + "]";
    }

    /** {@code 2 threads}, or {@code 2 threads (1 for one token)} where the counts differ. */
    String threadsLabel() {
        return threadsLabel(threads) + (decodeThreads == threads ? "" : " (" + decodeThreads + " for one token)");
    }

    /** The table's cell: {@code 2}, or {@code 2/1} (batches/one token). */
    String threadsCell() {
        return decodeThreads == threads ? Integer.toString(threads) : threads + "/" + decodeThreads;
    }

    boolean unifiedKvCache() {
        return kvCache.equals(UNIFIED);
    }

    boolean perSequenceKvCache() {
        return kvCache.equals(PER_SEQUENCE);
    }

    /** {@code 1 thread}, {@code 2 threads}. */
    static String threadsLabel(int threads) {
        return threads + (threads == 1 ? " thread" : " threads");
    }
}
