package dev.jvmllm.examples.bench;

/**
 * What a block of rows ran on: the library and the thread count. Rows compare with each other
 * within one configuration, and across configurations only where a check says so.
 *
 * @param library what ran the model, with its version ({@code llama.cpp b4916}, {@code onnxruntime
 *                1.23.2}; {@code java-llama.cpp b4916} for the peer)
 * @param threads CPU threads of the forward pass
 * @param kvCache {@value #UNIFIED} (one KV cache for all sequences), {@value #PER_SEQUENCE}, or
 *                {@value #NOT_LLAMA_CPP} for a backend without llama.cpp's choice
 */
record Configuration(String library, int threads, String kvCache) {
    static final String UNIFIED = "unified";
    static final String PER_SEQUENCE = "per-sequence";
    static final String NOT_LLAMA_CPP = "-";

    /** The prefix of its checks, such as {@code [llama.cpp b4916, 2 threads]}. */
    String label() {
        return "[" + library + ", " + threadsLabel(threads) + "]";
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
