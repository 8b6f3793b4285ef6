package dev.jvmllm.scheduler.internal;

import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.BatchOutput;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Logits;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.StepOrder;

/**
 * Plans steps and applies their results: the policy shared by the direct path and the
 * schedulers. There is no prefill phase and decode phase: each generation closes the gap between
 * the tokens it knows and the tokens the model has computed, within a per-step token budget, so
 * a long prompt is split into chunks by itself. Who gets the budget first is the {@link StepOrder}
 * chosen at construction: by default generations that wait for one token (decoding) go first, so
 * that a long prompt never delays another sequence's next token, and prompts share what is left,
 * oldest first. Reuses one batch and one array: nothing large is allocated per step.
 */
public final class StepPlanner {
    private final BatchProcessor processor;
    private final StepOrder order;
    private final int tokenBudget;
    private final BatchInput batch;
    private final Generation[] scheduled;

    /**
     * @param processor the processor that runs the plans, which the choices of a request share
     *                  a prefill through
     * @param tokenBudget the most tokens in one forward pass ({@code maxBatchTokens})
     * @param maxSequences how many generations can be active at once
     * @param order who gets the budget first
     */
    public StepPlanner(BatchProcessor processor, int tokenBudget, int maxSequences, StepOrder order) {
        this.processor = processor;
        this.order = order;
        this.tokenBudget = tokenBudget;
        this.batch = new BatchInput(tokenBudget);
        this.scheduled = new Generation[maxSequences];
    }

    /** The next step over the active generations; its batch is empty when none needs a token. */
    public StepPlan plan(ActiveSequences active, long now) {
        batch.clear();
        int count = 0;
        int budget = tokenBudget;
        for (int pass = 0; pass < 2; pass++) {
            // DECODE_FIRST: the decoding generations, then the prompts; ADMISSION_ORDER: all at once
            boolean decoding = pass == 0;
            for (int i = 0, n = active.size(); i < n && budget > 0; i++) {
                Generation generation = active.get(i);
                boolean wanted = order == StepOrder.ADMISSION_ORDER
                        ? decoding && (generation.isDecoding() || generation.isPrefilling())
                        : decoding ? generation.isDecoding() : generation.isPrefilling();
                if (wanted) {
                    budget -= generation.appendTo(batch, budget, now);
                    scheduled[count++] = generation;
                }
            }
        }
        return new StepPlan(batch, scheduled, count);
    }

    /**
     * Hands each generation that asked for logits its row (output rows follow batch order), and
     * to the choices waiting for its prefill, if this row ended its prompt.
     */
    public void apply(StepPlan plan, BatchOutput output, long now) {
        int row = 0;
        for (int i = 0; i < plan.count(); i++) {
            Generation generation = plan.get(i);
            if (generation.awaitsLogits()) {
                Logits logits = output.row(row++);
                generation.accept(logits, now);
                generation.handOverPrefill(logits, processor, now);
            }
        }
    }

    /**
     * Fails every generation of a step whose forward pass threw: their sequences are in an
     * unknown state. Generations outside the batch are untouched.
     *
     * @return the error they failed with
     */
    public LlmException fail(StepPlan plan, RuntimeException cause, long now) {
        LlmException error = cause instanceof LlmException known
                ? known : new LlmException("the forward pass failed: " + cause, cause);
        for (int i = 0; i < plan.count(); i++) {
            plan.get(i).fail(error, now);
        }
        return error;
    }
}
