package dev.jvmllm.examples.bench;

import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.examples.cli.ModelOptionsMixin;
import dev.jvmllm.http.LlmServer;
import dev.jvmllm.llamacpp.LlamaCppModel;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

import static dev.jvmllm.examples.bench.BenchCommand.BATCHED;

/**
 * One configuration, open for its block's measurement: the model on one library, a scheduler and a
 * server on one thread count, and our paths over them (the peer runs apart, on no library of ours).
 */
final class OpenConfiguration implements AutoCloseable {
    private final Model model;
    private final Configuration configuration;
    private final Workload workload;
    private final ProcessorOptions processorOptions;
    private final Scheduler scheduler;
    private final LlmServer server;
    private final DirectPath single;
    private final List<BenchPath> paths = new ArrayList<>();
    /** Everything opened here, the latest on top: closed in that order. */
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    /**
     * Opens the model on {@code library} (empty: the default one) and every path on it.
     *
     * @param threads CPU threads of the forward pass; 0 for the model's {@link dev.jvmllm.api.ModelInfo#defaultThreads()}
     * @param http whether to start the server and its rows
     */
    OpenConfiguration(ModelOptionsMixin options, Optional<String> library, int threads, Workload workload,
                      SchedulerOptions schedulerOptions, boolean http) throws Exception {
        this.workload = workload;
        this.model = own(options.open(library));
        try {
            ProcessorOptions asked = ProcessorOptions.defaults().withThreads(threads);
            int threadCount = asked.effectiveThreads(model.info());
            this.configuration = new Configuration(model.info().runtime(), threadCount,
                    asked.effectiveDecodeThreads(model.info()), kvCache(model));
            this.processorOptions = ProcessorOptions.defaults().withContextSize(workload.context()).withThreads(threads);
            this.scheduler = own(Schedulers.create(model, schedulerOptions.withMaxSequences(BATCHED)
                    .withContextSize(workload.context()).withThreads(threads)));
            this.server = http ? own(LlmServer.builder(scheduler).port(0).build().start()) : null;
            // one stream on a cache for one (what the peer x1 runs), and on the scheduler's cache (what
            // the scheduled and HTTP rows run): llama.cpp's pass costs more with the larger cache
            this.single = path(new DirectPath(model, processorOptions, 1, 1, workload.request()));
            path(new DirectPath(model, processorOptions, 1, BATCHED, workload.request()));
            path(new DirectPath(model, processorOptions, BATCHED, BATCHED, workload.request()));
            path(new ScheduledPath(scheduler, BATCHED, 1, workload.request()));
            path(new ScheduledPath(scheduler, BATCHED, BATCHED, workload.request()));
            if (server != null) {
                for (boolean streaming : new boolean[] {false, true}) {
                    path(new HttpPath(model.info().backend(), server.port(), BATCHED, 1, streaming, workload));
                    path(new HttpPath(model.info().backend(), server.port(), BATCHED, BATCHED, streaming, workload));
                }
            }
        } catch (Throwable t) {
            close();
            throw t;
        }
    }

    private static String kvCache(Model model) {
        if (model instanceof LlamaCppModel llamaCpp) {
            return llamaCpp.unifiedKvCache() ? Configuration.UNIFIED : Configuration.PER_SEQUENCE;
        }
        return Configuration.NOT_LLAMA_CPP;
    }

    private <T extends AutoCloseable> T own(T resource) {
        resources.push(resource);
        return resource;
    }

    private <T extends BenchPath> T path(T path) {
        paths.add(own(path));
        return path;
    }

    Configuration configuration() {
        return configuration;
    }

    /** The rows' paths, in table order. */
    List<BenchPath> paths() {
        return paths;
    }

    /** Direct, one stream on a cache for one: the request whose time sizes the rounds. */
    DirectPath single() {
        return single;
    }

    /**
     * Runs short requests of {@code shortTokens} tokens down every path of ours that has code
     * running once per request, before anything is timed. That code (HTTP parsing, JSON,
     * submission, the answer) would otherwise still be interpreted during the few dozen timed
     * requests, while the per-token loop is compiled within the first one: measured on the HTTP
     * path, about 0.6 ms per request cold against warm. A server that has been up for a while runs
     * it compiled; so does this benchmark. A slow model gets through fewer requests in
     * {@code budget}: it also has more time per request to hide what stays interpreted.
     */
    List<WarmUp> warmUp(int shortTokens, int maxRequests, Duration budget) throws Exception {
        Workload shortWorkload = workload.withTokens(shortTokens);
        List<BenchPath> warmUps = new ArrayList<>();
        try {
            warmUps.add(new DirectPath(model, processorOptions, 1, 1, shortWorkload.request()));
            warmUps.add(new ScheduledPath(scheduler, BATCHED, 1, shortWorkload.request()));
            if (server != null) {
                for (boolean streaming : new boolean[] {false, true}) {
                    warmUps.add(new HttpPath(model.info().backend(), server.port(), BATCHED, 1, streaming, shortWorkload));
                }
            }
            List<WarmUp> done = new ArrayList<>();
            for (BenchPath path : warmUps) {
                done.add(WarmUp.run(path, maxRequests, budget));
            }
            return done;
        } finally {
            for (BenchPath path : warmUps) {
                path.close();
            }
        }
    }

    /** Closes the paths, the server, the scheduler and the model, in that order; the first failure is thrown. */
    @Override
    public void close() throws Exception {
        Exception failure = null;
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
