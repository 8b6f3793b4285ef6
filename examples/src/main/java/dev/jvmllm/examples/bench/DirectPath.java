package dev.jvmllm.examples.bench;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.scheduler.DirectGenerator;

import java.util.Collections;

/** The baseline: the application drives a BatchProcessor itself, all sequences in one batch per step. */
final class DirectPath implements BenchPath {
    static final String PATH = "direct";

    private final Model model;
    private final int concurrency;
    private final int cacheSequences;
    private final BatchProcessor processor;
    private final DirectGenerator generator;
    private final GenerationRequest request;

    /** @param cacheSequences sequences the processor holds, at least {@code concurrency} */
    DirectPath(Model model, ProcessorOptions options, int concurrency, int cacheSequences, GenerationRequest request) {
        this.model = model;
        this.concurrency = concurrency;
        this.cacheSequences = cacheSequences;
        this.processor = model.newBatchProcessor(options.withMaxSequences(cacheSequences));
        this.generator = new DirectGenerator(processor);
        this.request = request;
    }

    @Override
    public String path() {
        return PATH;
    }

    @Override
    public String backend() {
        return model.info().backend();
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
        if (concurrency == 1) {
            return generator.generate(request).completionTokens();
        }
        return generator.generateAll(Collections.nCopies(concurrency, request)).stream()
                .mapToLong(GenerationResult::completionTokens).sum();
    }

    @Override
    public void close() {
        processor.close();
    }
}
