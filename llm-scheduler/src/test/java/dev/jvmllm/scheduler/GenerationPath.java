package dev.jvmllm.scheduler;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.GenerationListener;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;

/** The ways to generate, so that behaviour tests run on each and prove they agree. */
enum GenerationPath {
    DIRECT {
        @Override
        GenerationResult generate(Model model, SchedulerOptions options, GenerationRequest request,
                                  GenerationListener listener) {
            try (BatchProcessor processor = model.newBatchProcessor(options.processorOptions())) {
                return new DirectGenerator(processor).generate(request, listener);
            }
        }
    },
    CONTINUOUS {
        @Override
        GenerationResult generate(Model model, SchedulerOptions options, GenerationRequest request,
                                  GenerationListener listener) {
            try (Scheduler scheduler = new ContinuousBatchingScheduler(model, options)) {
                return Fixtures.joinResult(scheduler.submit(request, listener));
            }
        }
    },
    SERIAL {
        @Override
        GenerationResult generate(Model model, SchedulerOptions options, GenerationRequest request,
                                  GenerationListener listener) {
            try (Scheduler scheduler = new SerialSchedulerProvider().create(model, options)) {
                return Fixtures.joinResult(scheduler.submit(request, listener));
            }
        }
    };

    abstract GenerationResult generate(Model model, SchedulerOptions options, GenerationRequest request,
                                       GenerationListener listener);
}
