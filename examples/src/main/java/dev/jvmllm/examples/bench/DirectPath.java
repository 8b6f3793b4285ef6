package dev.jvmllm.examples.bench;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.scheduler.DirectGenerator;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** The baseline: the application drives a BatchProcessor itself, all sequences in one batch per step. */
final class DirectPath implements BenchPath {
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
        return "direct";
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

    /** The tokens one greedy run gives, to check that every path generates the same ones. */
    List<Integer> referenceTokens() {
        return Arrays.stream(generator.generate(request).tokens()).boxed().toList();
    }

    @Override
    public void close() {
        processor.close();
    }
}
