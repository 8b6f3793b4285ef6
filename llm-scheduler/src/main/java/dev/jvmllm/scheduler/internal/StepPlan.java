package dev.jvmllm.scheduler.internal;

import dev.jvmllm.api.BatchInput;

/**
 * What one step runs: the batch, and the generations that have tokens in it, in batch order.
 * Both are buffers of the {@link StepPlanner} that made it, valid until its next plan.
 *
 * @param batch the tokens of the forward pass
 * @param scheduled the generations in the batch; entries {@code 0 .. count - 1} are valid
 * @param count how many generations are in the batch
 */
public record StepPlan(BatchInput batch, Generation[] scheduled, int count) {

    /** The {@code index}-th generation in the batch. */
    public Generation get(int index) {
        return scheduled[index];
    }
}
