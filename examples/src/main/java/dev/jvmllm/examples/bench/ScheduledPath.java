package dev.jvmllm.examples.bench;

import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.Scheduler;

import java.util.ArrayList;
import java.util.List;

/** Concurrent streams submitted to the scheduler, from the calling thread, then joined. */
final class ScheduledPath implements BenchPath {
    static final String PATH = "scheduled";

    private final Scheduler scheduler;
    private final int concurrency;
    private final int cacheSequences;
    private final GenerationRequest request;

    /** @param cacheSequences the scheduler's {@code maxSequences} */
    ScheduledPath(Scheduler scheduler, int cacheSequences, int concurrency, GenerationRequest request) {
        this.scheduler = scheduler;
        this.cacheSequences = cacheSequences;
        this.concurrency = concurrency;
        this.request = request;
    }

    @Override
    public String path() {
        return PATH;
    }

    @Override
    public String backend() {
        return scheduler.model().info().backend();
    }

    @Override
    public int concurrency() {
        return concurrency;
    }

    @Override
    public int cacheSequences() {
        return cacheSequences;
    }

    @Override
    public long runOnce() {
        List<GenerationHandle> handles = new ArrayList<>(concurrency);
        for (int i = 0; i < concurrency; i++) {
            handles.add(scheduler.submit(request));
        }
        long tokens = 0;
        for (GenerationHandle handle : handles) {
            tokens += handle.result().join().completionTokens();
        }
        return tokens;
    }
}
