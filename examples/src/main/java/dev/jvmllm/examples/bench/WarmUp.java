package dev.jvmllm.examples.bench;

import java.time.Duration;

/**
 * What the request warm-up did down one path.
 *
 * @param requests how many requests it sent
 * @param outOfTime whether the time budget, not the request count, ended it
 */
record WarmUp(String path, int requests, double seconds, boolean outOfTime) {

    /** Sends requests down {@code path} until {@code maxRequests} have run or {@code budget} is spent, whichever comes first. */
    static WarmUp run(BenchPath path, int maxRequests, Duration budget) throws Exception {
        long start = System.nanoTime();
        long deadline = start + budget.toNanos();
        int requests = 0;
        while (requests < maxRequests && System.nanoTime() - deadline < 0) {
            path.runOnce();
            requests++;
        }
        return new WarmUp(path.path(), requests, (System.nanoTime() - start) / 1e9, requests < maxRequests);
    }

    @Override
    public String toString() {
        return String.format("%s %d in %.1f s%s", path, requests, seconds, outOfTime ? " (time budget)" : "");
    }
}
