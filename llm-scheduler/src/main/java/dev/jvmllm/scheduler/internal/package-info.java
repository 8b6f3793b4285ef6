/**
 * Implementation of the schedulers and the direct path; not an API, may change at any time.
 * {@link dev.jvmllm.scheduler.internal.Generation} is the per-sequence logic every path shares,
 * {@link dev.jvmllm.scheduler.internal.StepPlanner} the batch policy, and
 * {@link dev.jvmllm.scheduler.internal.Engine} the continuous-batching loop.
 */
package dev.jvmllm.scheduler.internal;
