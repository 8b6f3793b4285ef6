package dev.jvmllm.scheduler.internal;

import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationListener;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.Logits;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.Sampler;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.api.Timings;
import dev.jvmllm.api.TokenLogprob;
import dev.jvmllm.api.TokenMatcher;
import dev.jvmllm.api.Utf8StreamDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

/**
 * One sequence being generated: the logic that the direct path and every scheduler share. It
 * knows its tokens (the prompt, then the generated ones) and how many of them the model has
 * computed, so a planner only closes the gap between the two ({@link #appendTo}); it samples
 * the next token from the logits of its last one ({@link #accept}), turns tokens into text
 * deltas that never split a character or show the start of a stop string, decides when and why
 * it ends, and reports to its listener: {@code Token} events, then exactly one {@code Finished}
 * or {@code Failed} ({@link #end()}).
 *
 * <p>Life cycle: created (validated) → {@link #start started} on a sequence id → ended with a
 * {@link FinishReason} or a failure → {@link #end() end delivered}. Driven by one thread at a
 * time; not thread-safe.
 *
 * <p>The choices of one request {@link #sharePrefill share a prefill}: the first computes the
 * prompt, the others wait without being planned; when the first one's prompt is computed they
 * get a copy of its KV cache and sample their first tokens from the same logits
 * ({@link #handOverPrefill}). Should the first end before that, each of the others computes the
 * prompt itself.
 *
 * <p>The deltas of the {@code Token} events always add up to the result's text. When the model
 * ends the sequence while text is held back for a possible stop string, that text becomes final
 * with a last {@code Token} event that carries the end-of-generation id; it is not one of the
 * result's tokens.
 */
public final class Generation {
    private static final Logger log = LoggerFactory.getLogger(Generation.class);
    private static final int INITIAL_GENERATED_CAPACITY = 256;

    private final Model model;
    private final SamplingParams params;
    private final GenerationListener listener;
    private final SchedulerStats stats;
    private final Sampler sampler;
    private final Utf8StreamDecoder decoder = new Utf8StreamDecoder();
    private final StopStrings stopStrings; // null when the request has none
    private final StringBuilder text = new StringBuilder();
    private final int promptLength;
    private final int contextSize;
    private final long submittedNanos;
    private final long deadlineNanos;
    /** How many top candidates each token's log-probability lists; -1 when the request wants none. */
    private final int topLogprobs;
    private final List<TokenLogprob> logprobs;
    /** Where the output stands in the request's constraint; null when it has none. */
    private final TokenMatcher matcher;
    /** The tokens the constraint allows at this step, filled only when the first draw was refused. */
    private BitSet allowed;
    /** The choice whose prefill this one waits for; null when it computes its own, or has its copy. */
    private Generation prefillSource;
    /** The choices that wait for this one's prefill. */
    private List<Generation> prefillSharers = List.of();

    private int[] tokens; // the prompt, then the generated tokens
    private int known; // valid entries of tokens
    private int computed; // how many of them the model has seen, i.e. are in the sequence's KV cache
    private int cachedPromptTokens; // how many of the prompt's tokens a cached prefix held at the start
    private boolean reachedBatch; // whether any of its tokens has been computed, or its prompt came from another choice
    private boolean awaitingLogits;
    private int sequence = -1;
    private FinishReason finishReason; // set once, when it ends normally
    private LlmException failure; // set once, when it fails
    private boolean endDelivered;
    private GenerationResult result;
    private long firstBatchNanos;
    private long firstTokenNanos;
    private long lastTokenNanos;
    private long endNanos;

    /**
     * @param topLogprobs how many top candidates each token's log-probability lists; -1 for no log-probabilities
     * @param matcher     the request's constraint at the start of this output, or null
     */
    Generation(Model model, SamplingParams params, int[] prompt, int contextSize, GenerationListener listener,
               SchedulerStats stats, long submittedNanos, long deadlineNanos, int topLogprobs, TokenMatcher matcher) {
        this.model = model;
        this.params = params;
        this.listener = listener;
        this.stats = stats;
        this.sampler = Sampler.create(params, model.vocabularySize());
        this.stopStrings = params.stop().isEmpty() ? null : new StopStrings(params.stop());
        this.promptLength = prompt.length;
        this.contextSize = contextSize;
        this.submittedNanos = submittedNanos;
        this.deadlineNanos = deadlineNanos;
        this.topLogprobs = topLogprobs;
        this.logprobs = topLogprobs < 0 ? List.of() : new ArrayList<>();
        this.matcher = matcher;
        int limit = Math.min(params.maxTokens(), contextSize - prompt.length);
        this.tokens = Arrays.copyOf(prompt, prompt.length + Math.min(limit, INITIAL_GENERATED_CAPACITY));
        this.known = prompt.length;
    }

    /**
     * Makes the later choices of one request wait for the first one's prefill instead of
     * computing the same prompt. Every choice must have been created from the same prompt and
     * none started yet.
     */
    static void sharePrefill(List<Generation> choices) {
        Generation first = choices.getFirst();
        first.prefillSharers = List.copyOf(choices.subList(1, choices.size()));
        for (Generation sharer : first.prefillSharers) {
            sharer.prefillSource = first;
        }
    }

    /** Whether it is a later choice that waits (still queued) for {@code first}'s prefill. */
    public boolean waitsForPrefillOf(Generation first) {
        return prefillSource == first && !isEnded();
    }

    /** Whether its prefill is shared with choices that wait for it. */
    public boolean hasPrefillSharers() {
        return !prefillSharers.isEmpty();
    }

    /** Binds it to a sequence id of the processor; from now on it may be planned. */
    public void start(int sequenceId) {
        if (sequence >= 0) {
            throw new IllegalStateException("already started on sequence " + sequence);
        }
        sequence = sequenceId;
    }

    /**
     * Continues from a cached prefix: the sequence it {@linkplain #start started} on holds the
     * first {@code length} tokens of its prompt already, so only the rest is computed.
     *
     * @param length less than the prompt's length: the last prompt token must be computed for its logits
     */
    public void startFromCache(int length) {
        if (sequence < 0 || computed != 0 || length < 0 || length >= promptLength) {
            throw new IllegalStateException("a cached prefix of " + length + " tokens cannot start a generation that is "
                    + (sequence < 0 ? "not started" : "at token " + computed) + " with a prompt of " + promptLength);
        }
        computed = length;
        cachedPromptTokens = length;
    }

    /** How many tokens the prompt shares from the start with {@code cached}. */
    public int commonPrefixLength(int[] cached) {
        return sharedPrefix(cached, Math.min(promptLength, cached.length));
    }

    /**
     * How many tokens the prompt shares from the start with the prompt part of {@code other}'s KV
     * cache: the tokens of its prompt that {@code other} has computed.
     */
    public int commonPrefixLength(Generation other) {
        return sharedPrefix(other.tokens, Math.min(promptLength, Math.min(other.computed, other.promptLength)));
    }

    /** How many of the first {@code limit} tokens it shares with {@code other}, from the start. */
    private int sharedPrefix(int[] other, int limit) {
        int mismatch = Arrays.mismatch(tokens, 0, limit, other, 0, limit);
        return mismatch < 0 ? limit : mismatch;
    }

    /** How many of its tokens the sequence's KV cache holds. */
    public int computed() {
        return computed;
    }

    /** The tokens the sequence's KV cache holds: the prompt and the generated tokens computed so far. */
    public int[] computedTokens() {
        return Arrays.copyOf(tokens, computed);
    }

    /** Whether it is a later choice that is to get the first choice's KV cache rather than compute its prompt. */
    public boolean isPrefillSharer() {
        return prefillSource != null;
    }

    /** The processor's sequence id; -1 before {@link #start}. */
    public int sequence() {
        return sequence;
    }

    public int promptLength() {
        return promptLength;
    }

    /** How many tokens it generated so far (an end-of-generation token excluded). */
    public int generated() {
        return known - promptLength;
    }

    /** Running and one token behind: the token it sampled last waits to be computed. */
    public boolean isDecoding() {
        return isRunnable() && known - computed == 1;
    }

    /** Running with more than one token to compute: (the rest of) its prompt. */
    public boolean isPrefilling() {
        return isRunnable() && known - computed > 1;
    }

    /** Not ended, and not waiting for the prefill of a choice that is still going to compute it. */
    private boolean isRunnable() {
        return !isEnded() && (prefillSource == null || prefillSource.isEnded());
    }

    /**
     * Appends the next tokens it needs computed, at most {@code budget} of them, asking for
     * logits when they reach its last known token. They count as computed from here on: a batch
     * that fails ends this generation.
     *
     * @return how many tokens it appended
     */
    public int appendTo(BatchInput batch, int budget, long now) {
        int count = Math.min(known - computed, budget);
        if (count <= 0) {
            return 0;
        }
        if (!reachedBatch) {
            reachedBatch = true;
            firstBatchNanos = now;
            stats.queued(now - submittedNanos);
        }
        if (computed < promptLength) {
            stats.promptTokensProcessed(Math.min(count, promptLength - computed));
        }
        awaitingLogits = computed + count == known;
        batch.addAll(sequence, computed, tokens, computed, computed + count, awaitingLogits);
        computed += count;
        return count;
    }

    /** True when the last batch it was appended to holds a logit row for it. */
    public boolean awaitsLogits() {
        return awaitingLogits;
    }

    /**
     * Chooses the next token from the logits of its last token and reports it. Ends the
     * generation on an end-of-generation token, a stop string, {@code maxTokens} or a full
     * context; a listener that throws cancels it; an error while choosing the token fails it.
     */
    public void accept(Logits logits, long now) {
        awaitingLogits = false;
        if (isEnded()) {
            return;
        }
        GenerationEvent.Token event;
        try {
            int token = sampler.sample(logits);
            if (matcher != null && !matcher.allows(token)) {
                // Drawing again from the allowed tokens only, after a free draw was refused, is
                // drawing from the distribution restricted to them: rejection sampling, exact.
                logits = restrictToAllowed(logits);
                token = sampler.sample(logits);
            }
            if (model.isEndOfGeneration(token)) {
                event = endOfSequence(token, now);
            } else {
                // from the row the sampler saw, before the next pass replaces it
                TokenLogprob logprob = topLogprobs < 0 ? null : TokenLogprob.of(logits, token, topLogprobs);
                event = append(token, now, logprob);
            }
        } catch (RuntimeException e) {
            fail(new LlmException("choosing the next token failed: " + e, e), now);
            return;
        }
        if (event != null) {
            deliver(event, now);
        }
    }

    private Logits restrictToAllowed(Logits logits) {
        if (allowed == null) {
            allowed = new BitSet(model.vocabularySize());
        } else {
            allowed.clear();
        }
        matcher.allowedTokens(allowed);
        if (allowed.isEmpty()) {
            throw new IllegalStateException("the output constraint allows no token after "
                    + generated() + " generated tokens");
        }
        return new MaskedLogits(logits, allowed);
    }

    /**
     * Called right after {@link #accept} with the same logits: when they end this generation's
     * prompt, the choices waiting for its prefill get a copy of its KV cache and sample their
     * first tokens from them, each with its own sampler. This happens whether or not this one
     * has ended meanwhile: its cache holds the prompt until it is retired, after this step.
     */
    public void handOverPrefill(Logits logits, BatchProcessor processor, long now) {
        if (prefillSharers.isEmpty() || computed != promptLength) {
            return;
        }
        for (Generation sharer : prefillSharers) {
            sharer.takePrefill(this, logits, processor, now);
        }
        prefillSharers = List.of();
    }

    private void takePrefill(Generation source, Logits logits, BatchProcessor processor, long now) {
        if (prefillSource != source || isEnded()) {
            return;
        }
        prefillSource = null;
        if (sequence < 0) {
            return; // cannot happen (choices are admitted together); computing its own prompt is right anyway
        }
        try {
            processor.copySequence(source.sequence, sequence);
        } catch (RuntimeException e) {
            fail(new LlmException("copying the prompt's KV cache to another choice failed: " + e, e), now);
            return;
        }
        computed = promptLength;
        reachedBatch = true;
        firstBatchNanos = source.firstBatchNanos;
        stats.queued(firstBatchNanos - submittedNanos);
        accept(logits, now);
    }

    private GenerationEvent.Token append(int token, long now, TokenLogprob logprob) {
        sampler.accept(token);
        if (matcher != null) {
            matcher.accept(token);
        }
        if (logprob != null) {
            logprobs.add(logprob);
        }
        if (known == tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.min(tokens.length * 2, contextSize)); // known never passes the context
        }
        tokens[known++] = token;
        recordTokenTime(now);
        String delta = decoder.decode(model.tokenBytes(token));
        if (stopStrings != null) {
            delta = stopStrings.push(delta);
            if (stopStrings.matched()) {
                finish(FinishReason.STOP, now);
            }
        }
        if (!isEnded() && matcher != null && matcher.isComplete()) {
            delta = delta.concat(releaseHeldText());
            finish(FinishReason.STOP, now);
        }
        if (!isEnded() && (generated() == params.maxTokens() || known == contextSize)) {
            delta = delta.concat(releaseHeldText());
            finish(FinishReason.LENGTH, now);
        }
        text.append(delta);
        return new GenerationEvent.Token(generated() - 1, token, delta, Optional.ofNullable(logprob));
    }

    private GenerationEvent.Token endOfSequence(int token, long now) {
        String held = releaseHeldText();
        finish(FinishReason.END_OF_SEQUENCE, now);
        if (held.isEmpty()) {
            return null;
        }
        text.append(held);
        return new GenerationEvent.Token(generated(), token, held);
    }

    /** Text that was waiting for a possible stop string or for the rest of a character. */
    private String releaseHeldText() {
        String flushed = decoder.flush();
        return stopStrings == null ? flushed : stopStrings.release().concat(flushed);
    }

    private void recordTokenTime(long now) {
        stats.tokenGenerated();
        if (generated() == 1) {
            firstTokenNanos = now;
            stats.firstToken(now - submittedNanos);
        } else {
            stats.nextToken(now - lastTokenNanos);
        }
        lastTokenNanos = now;
    }

    private void deliver(GenerationEvent.Token event, long now) {
        try {
            listener.onEvent(event);
        } catch (RuntimeException | Error e) {
            rethrowIfFatal(e);
            // the listener contract: an exception cancels this generation and nothing else
            log.warn("a generation listener threw; cancelling that generation", e);
            stop(FinishReason.CANCELLED, now);
        }
    }

    /** True when its deadline has passed. */
    public boolean isOverdue(long now) {
        return now - deadlineNanos >= 0;
    }

    /** Ends it for a reason from outside (cancellation, timeout); no-op once it has ended. */
    public void stop(FinishReason reason, long now) {
        if (!isEnded()) {
            finish(reason, now);
        }
    }

    /** Ends it with an error; no-op once it has ended. */
    public void fail(LlmException error, long now) {
        if (!isEnded()) {
            failure = error;
            ended(now);
        }
    }

    private void finish(FinishReason reason, long now) {
        finishReason = reason;
        ended(now);
    }

    private void ended(long now) {
        endNanos = now;
        stats.requestEnded(now - submittedNanos, promptLength, generated());
    }

    /** True once it has a finish reason or a failure. */
    public boolean isEnded() {
        return finishReason != null || failure != null;
    }

    /** The error it failed with, or null. */
    public LlmException failure() {
        return failure;
    }

    /**
     * Delivers the last event, {@code Finished} or {@code Failed}, once. An exception from the
     * listener is logged: the generation is over either way.
     */
    public void end() {
        if (!isEnded()) {
            throw new IllegalStateException("the generation has not ended");
        }
        if (endDelivered) {
            return;
        }
        endDelivered = true;
        GenerationEvent event = failure != null ? new GenerationEvent.Failed(failure) : new GenerationEvent.Finished(result());
        try {
            listener.onEvent(event);
        } catch (RuntimeException | Error e) {
            rethrowIfFatal(e);
            log.warn("a generation listener threw on the final event", e);
        }
    }

    /** The result of a generation that ended normally. */
    public GenerationResult result() {
        if (finishReason == null) {
            throw new IllegalStateException(failure != null ? "the generation failed" : "the generation has not ended");
        }
        if (result == null) {
            result = new GenerationResult(text.toString(), Arrays.copyOfRange(tokens, promptLength, known), finishReason,
                    promptLength, timings(), logprobs, cachedPromptTokens);
        }
        return result;
    }

    private Timings timings() {
        // a request that never reached a batch (or a token) waited for its whole life
        Duration queued = Duration.ofNanos((reachedBatch ? firstBatchNanos : endNanos) - submittedNanos);
        Duration firstToken = Duration.ofNanos((generated() > 0 ? firstTokenNanos : endNanos) - submittedNanos);
        return new Timings(queued, firstToken, Duration.ofNanos(endNanos - submittedNanos));
    }

    private static void rethrowIfFatal(Throwable e) {
        if (e instanceof VirtualMachineError fatal) {
            throw fatal;
        }
    }
}
