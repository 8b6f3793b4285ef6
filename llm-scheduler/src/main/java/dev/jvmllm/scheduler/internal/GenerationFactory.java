package dev.jvmllm.scheduler.internal;

import dev.jvmllm.api.GenerationListener;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.Model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Turns requests into {@link Generation}s for one model and context size. This is where every
 * request is checked, on the caller's thread, before any loop sees it: a prompt that cannot run
 * is refused here with a message that says why.
 */
public final class GenerationFactory {
    /** Stands for "no deadline"; far enough away that {@code now - deadline} never overflows. */
    public static final Duration NO_TIMEOUT = Duration.ofNanos(Long.MAX_VALUE / 4);

    private final Model model;
    private final int contextSize;
    private final SchedulerStats stats;
    private final LongSupplier clock;

    /**
     * @param contextSize the resolved context of one sequence ({@code ProcessorOptions.contextSize()}
     *                    of the processor that will run the generations)
     * @param clock {@link System#nanoTime()}, or a test's clock: the one the loop running the generations uses
     */
    public GenerationFactory(Model model, int contextSize, SchedulerStats stats, LongSupplier clock) {
        this.model = Objects.requireNonNull(model, "model");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (contextSize < 2) {
            throw new IllegalArgumentException("the context must hold at least 2 tokens, got " + contextSize);
        }
        this.contextSize = contextSize;
    }

    /**
     * Tokenizes and checks the prompt and prepares its generation; the clock of its timings and
     * of its {@code timeout} starts now.
     *
     * @param timeout how long it may take in all, or {@link #NO_TIMEOUT}
     * @throws InvalidRequestException for an empty prompt, one that leaves no room in the context
     *                                 for a generated token, token ids outside the vocabulary, or
     *                                 more top log-probabilities than the vocabulary has tokens
     */
    public Generation create(GenerationRequest request, GenerationListener listener, Duration timeout) {
        return createChoices(request, List.of(listener), timeout).getFirst();
    }

    /**
     * {@link #create} for each of several choices of one request, one per listener: the prompt is
     * tokenized and checked once, choice {@code i} samples with {@code sampling().forChoice(i)},
     * and the later choices {@link Generation#sharePrefill share the first one's prefill}.
     */
    public List<Generation> createChoices(GenerationRequest request, List<GenerationListener> listeners,
                                          Duration timeout) {
        Objects.requireNonNull(request, "request");
        listeners.forEach(listener -> Objects.requireNonNull(listener, "listener"));
        long submitted = clock.getAsLong();
        int[] prompt = request.prompt().tokenize(model);
        check(prompt);
        int topLogprobs = request.logprobs().orElse(-1);
        if (topLogprobs > model.vocabularySize()) {
            throw new InvalidRequestException("the request asks for " + topLogprobs + " top log-probabilities, but"
                    + " the vocabulary has " + model.vocabularySize() + " tokens");
        }
        long deadline = submitted + cappedNanos(timeout);
        List<Generation> choices = new ArrayList<>(listeners.size());
        for (int i = 0; i < listeners.size(); i++) {
            choices.add(new Generation(model, request.sampling().forChoice(i), prompt, contextSize, listeners.get(i),
                    stats, submitted, deadline, topLogprobs,
                    request.constraint().map(constraint -> constraint.start(model)).orElse(null)));
        }
        if (choices.size() > 1) {
            Generation.sharePrefill(choices);
        }
        return choices;
    }

    private void check(int[] prompt) {
        if (prompt.length == 0) {
            throw new InvalidRequestException("the prompt is empty: it needs at least one token");
        }
        if (prompt.length >= contextSize) {
            throw new InvalidRequestException("the prompt has " + prompt.length + " tokens but a sequence holds "
                    + contextSize + " tokens, so at most " + (contextSize - 1)
                    + " fit (one place is needed for a generated token)");
        }
        int vocabulary = model.vocabularySize();
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocabulary) {
                throw new InvalidRequestException("prompt token " + prompt[i] + " at index " + i
                        + " is outside the vocabulary (0.." + (vocabulary - 1) + ")");
            }
        }
    }

    /** The duration in nanoseconds, at least 0 and at most {@link #NO_TIMEOUT}'s: safe to add to a {@code nanoTime}. */
    public static long cappedNanos(Duration duration) {
        if (duration.isNegative()) {
            return 0;
        }
        return duration.compareTo(NO_TIMEOUT) >= 0 ? NO_TIMEOUT.toNanos() : duration.toNanos();
    }
}
