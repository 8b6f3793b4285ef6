package dev.jvmllm.scheduler;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.GenerationListener;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.StepOrder;
import dev.jvmllm.scheduler.internal.ActiveSequences;
import dev.jvmllm.scheduler.internal.EngineStep;
import dev.jvmllm.scheduler.internal.Generation;
import dev.jvmllm.scheduler.internal.GenerationFactory;
import dev.jvmllm.scheduler.internal.SchedulerStats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The direct path: generation driven on the caller's thread straight over one
 * {@link BatchProcessor}, with no queue and no other thread. It is the baseline every
 * benchmark compares the scheduled and HTTP paths against, and gives the same tokens as they
 * do for the same greedy request: all paths share one per-sequence generation logic.
 *
 * <p>Each step is one forward pass: prompts are prefilled in chunks of at most
 * {@link ProcessorOptions#maxBatchTokens()} tokens, then every sequence gets one token per step.
 * {@link #generateAll} decodes many requests together, at most
 * {@link ProcessorOptions#maxSequences()} at a time, starting the next as sequences free up.
 * A request's {@link GenerationRequest#timeout() timeout}, if it has one, is honoured; none is
 * derived otherwise.
 *
 * <pre>{@code
 * try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
 *     DirectGenerator generator = new DirectGenerator(processor);
 *     GenerationResult result = generator.generate(GenerationRequest.of("Once upon a time", SamplingParams.greedy(32)));
 * }
 * }</pre>
 *
 * <p>Not thread-safe, like the processor it drives. The processor stays the caller's to close.
 */
public final class DirectGenerator {
    private static final Consumer<Generation> DELIVER_END = Generation::end;

    private final BatchProcessor processor;
    private final GenerationFactory generations;
    private final EngineStep step;
    private final ActiveSequences active;

    /** A generator over the processor, which must hold no sequences in use by anyone else. */
    public DirectGenerator(BatchProcessor processor) {
        this(processor, new SchedulerStats());
    }

    DirectGenerator(BatchProcessor processor, SchedulerStats stats) {
        this.processor = Objects.requireNonNull(processor, "processor");
        ProcessorOptions options = processor.options();
        // every active sequence needs a place in each batch for its next token
        int concurrency = Math.min(options.maxSequences(), options.maxBatchTokens());
        // no prefix cache: the processor goes back to its caller with no sequence in use
        this.step = new EngineStep(processor, concurrency, StepOrder.DECODE_FIRST, false, stats, System::nanoTime);
        this.active = step.active();
        this.generations = new GenerationFactory(processor.model(), options.contextSize(), stats, System::nanoTime);
    }

    /** Generates for one request; see {@link #generate(GenerationRequest, GenerationListener)}. */
    public GenerationResult generate(GenerationRequest request) {
        return generate(request, GenerationListener.NONE);
    }

    /**
     * Generates for one request, reporting each token to the listener on this thread as it is
     * produced. A listener that throws cancels the generation (the result says
     * {@code CANCELLED}).
     *
     * @throws InvalidRequestException before any work when the prompt cannot run
     * @throws LlmException when a forward pass fails (the listener got {@code Failed})
     */
    public GenerationResult generate(GenerationRequest request, GenerationListener listener) {
        Generation generation = generations.create(request, listener, timeoutOf(request));
        run(new Generation[] {generation});
        return outcome(generation);
    }

    /**
     * Generates for all requests together: each step is one forward pass over every running
     * sequence. Results come in request order.
     *
     * @throws InvalidRequestException before any work when any prompt cannot run
     * @throws LlmException when a forward pass failed for one of them (after all have ended)
     */
    public List<GenerationResult> generateAll(List<GenerationRequest> requests) {
        Generation[] all = new Generation[requests.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = generations.create(requests.get(i), GenerationListener.NONE, timeoutOf(requests.get(i)));
        }
        run(all);
        List<GenerationResult> results = new ArrayList<>(all.length);
        for (Generation generation : all) {
            results.add(outcome(generation));
        }
        return results;
    }

    /**
     * Runs the generations to their end, in order, as many at a time as the processor holds.
     * Each has had its last event when this returns. A failed forward pass fails the generations
     * in it and the others go on.
     */
    private void run(Generation[] queue) {
        int next = 0;
        try {
            while (next < queue.length || !active.isEmpty()) {
                while (next < queue.length && !active.isFull()) {
                    step.admit(queue[next++]);
                }
                step.retire(System.nanoTime(), false, false, DELIVER_END);
                step.run();
                step.retire(System.nanoTime(), false, false, DELIVER_END);
            }
        } finally {
            // only after an unexpected error: hand the processor back with no sequence in use
            while (!active.isEmpty()) {
                processor.releaseSequence(active.removeAt(active.size() - 1).sequence());
            }
        }
    }

    private static Duration timeoutOf(GenerationRequest request) {
        return request.timeout().orElse(GenerationFactory.NO_TIMEOUT);
    }

    private static GenerationResult outcome(Generation generation) {
        generation.end();
        if (generation.failure() != null) {
            throw generation.failure();
        }
        return generation.result();
    }
}
