package dev.jvmllm.examples.bench;

/** What one timed run produced: tokens generated (all sequences) and the wall time. */
record Measurement(long tokens, long nanos) {
    double tokensPerSecond() {
        return tokens / (nanos / 1e9);
    }
}
