package dev.jvmllm.scheduler.internal;

import dev.jvmllm.api.BatchOutput;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.StepOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One step over the active generations of a processor: what the scheduler's engine loop and the
 * direct path share. {@link #admit} starts a generation on a sequence (with the prefix cache, the
 * cached sequence that shares the longest prefix with its prompt, or a copy of a running
 * generation's prompt cache); {@link #retire} ends overdue
 * generations and removes ended ones, releasing their sequences or keeping them for the prefix
 * cache; {@link #run} plans one batch ({@link StepPlanner}: decoding generations first, then
 * prompts, within the token budget), runs the forward pass and hands out the logits. Owned by
 * one thread.
 */
public final class EngineStep {
    private static final Logger log = LoggerFactory.getLogger(EngineStep.class);
    /**
     * The shortest prefix worth copying from a running generation's KV cache: every prompt
     * shares its first token or two (BOS, a template's opening) with every other, and a copy
     * costs a pass over the cache (the current llama.cpp copies a sequence's whole stream).
     */
    static final int MIN_COPIED_PREFIX = 16;

    private final BatchProcessor processor;
    private final SchedulerStats stats;
    private final LongSupplier clock;
    private final ActiveSequences active;
    private final StepPlanner planner;
    /** Null when prefix caching is off. */
    private final PrefixCache cache;
    private final int concurrency;
    private final long kvCapacity;

    /**
     * @param concurrency how many generations may be active at once (at most the processor's sequences)
     * @param order who gets a step's token budget first
     * @param prefixCache keep ended generations' KV caches for generations that start with the same tokens
     * @param clock {@link System#nanoTime()}, or a test's clock
     */
    public EngineStep(BatchProcessor processor, int concurrency, StepOrder order, boolean prefixCache,
                      SchedulerStats stats, LongSupplier clock) {
        this.processor = processor;
        this.stats = stats;
        this.clock = clock;
        this.active = new ActiveSequences(concurrency);
        this.planner = new StepPlanner(processor, processor.options().maxBatchTokens(), concurrency, order);
        this.cache = prefixCache ? new PrefixCache(concurrency) : null;
        this.concurrency = concurrency;
        this.kvCapacity = (long) concurrency * processor.options().contextSize();
    }

    /** The active generations, in admission order. */
    public ActiveSequences active() {
        return active;
    }

    /** How many more generations can be admitted now (sequences that hold a cached prefix count as free). */
    public int free() {
        return active.free();
    }

    /**
     * Starts a generation on a sequence: with prefix caching, the cached sequence that shares the
     * longest prefix with its prompt, cut to that prefix, or, where a running generation has
     * computed a longer one (at least {@value #MIN_COPIED_PREFIX} tokens), a copy of that
     * generation's cache, cut there; else a free empty sequence, or, when the free ones all hold
     * cached prefixes, the least recently used of them, released. A choice that is to get
     * another's KV cache starts empty.
     */
    public void admit(Generation generation) {
        if (cache == null) {
            active.admit(generation);
            return;
        }
        int reused = 0;
        if (!generation.isPrefillSharer()) {
            // the prompt's last token is computed in any case: its logits give the first token
            int most = generation.promptLength() - 1;
            PrefixCache.Match match = cache.longestMatch(generation);
            int cachedLength = match == null ? 0 : Math.min(match.length(), most);
            Generation runner = longestRunningMatch(generation);
            int runningLength = runner == null ? 0 : Math.min(generation.commonPrefixLength(runner), most);
            if (runningLength >= MIN_COPIED_PREFIX && runningLength > cachedLength) {
                reused = copyFrom(runner, generation, runningLength);
            } else if (match != null) {
                cache.remove(match.sequence());
                if (cachedLength > 0 && processor.truncateSequence(match.sequence(), cachedLength)) {
                    active.admit(generation, match.sequence());
                    generation.startFromCache(cachedLength);
                    reused = cachedLength;
                } else {
                    // nothing to reuse, or the cache cannot keep just the prefix (a sliding window dropped cells it needs)
                    ActiveSequences.release(processor, match.sequence());
                }
            }
            stats.prefixCacheQueried(generation.promptLength(), reused);
        }
        if (reused == 0) {
            active.admit(generation, emptySequence());
        }
    }

    /** The running generation whose computed prompt shares the most tokens with the new one's prompt. */
    private Generation longestRunningMatch(Generation generation) {
        Generation best = null;
        int bestLength = 0;
        for (int i = 0; i < active.size(); i++) {
            Generation running = active.get(i);
            int length = generation.commonPrefixLength(running);
            if (length > bestLength) {
                best = running;
                bestLength = length;
            }
        }
        return best;
    }

    /**
     * Starts {@code generation} on a copy of {@code runner}'s KV cache cut to {@code length}
     * tokens; 0 (and nothing admitted) where the cut is refused.
     */
    private int copyFrom(Generation runner, Generation generation, int length) {
        int target = emptySequence();
        processor.copySequence(runner.sequence(), target);
        if (!processor.truncateSequence(target, length)) {
            ActiveSequences.release(processor, target);
            return 0;
        }
        active.admit(generation, target);
        generation.startFromCache(length);
        return length;
    }

    /** A sequence that no generation holds, empty: one without a cached prefix, else the least recently used one, released. */
    private int emptySequence() {
        for (int id = 0; id < concurrency; id++) {
            if (!active.isInUse(id) && !cache.holds(id)) {
                return id;
            }
        }
        int evicted = cache.leastRecentlyUsed();
        cache.remove(evicted);
        ActiveSequences.release(processor, evicted);
        return evicted;
    }

    /**
     * Ends the generations past their deadline with {@code TIMEOUT}, or every one with
     * {@code CANCELLED} when {@code cancelAll}; then removes the ended ones, hands each to
     * {@code retired} after its sequence was released or kept.
     *
     * @param keep whether ended generations may leave their KV cache to the prefix cache
     */
    public void retire(long now, boolean cancelAll, boolean keep, Consumer<Generation> retired) {
        active.endOverdue(now, cancelAll);
        active.retireEnded(processor, generation -> keep && keepForCache(generation), retired);
    }

    /**
     * Keeps an ended generation's KV cache in the prefix cache, unless caching is off, it failed
     * (a failed pass leaves its cache in an unknown state), it computed nothing, or the processor
     * holds other than the tokens it computed.
     */
    private boolean keepForCache(Generation generation) {
        if (cache == null || generation.failure() != null) {
            return false;
        }
        int[] tokens = generation.computedTokens();
        int sequence = generation.sequence();
        if (tokens.length == 0 || processor.nextPosition(sequence) != tokens.length) {
            return false;
        }
        cache.keep(sequence, tokens);
        return true;
    }

    /**
     * One forward pass over the active generations, when any needs a token. A failed pass fails
     * the generations in it and the others go on.
     */
    public void run() {
        if (active.isEmpty()) {
            return;
        }
        StepPlan plan = planner.plan(active, clock.getAsLong());
        if (plan.count() == 0) {
            return;
        }
        BatchOutput output;
        try {
            output = processor.process(plan.batch());
            stats.stepRun();
        } catch (RuntimeException e) {
            LlmException error = planner.fail(plan, e, clock.getAsLong());
            log.warn("a forward pass failed; its {} requests fail, the others go on", plan.count(), error);
            return;
        }
        planner.apply(plan, output, clock.getAsLong());
        long tokens = cache == null ? 0 : cache.tokens();
        for (int i = 0; i < active.size(); i++) {
            tokens += active.get(i).computed();
        }
        stats.kvCache(tokens, kvCapacity);
    }
}
