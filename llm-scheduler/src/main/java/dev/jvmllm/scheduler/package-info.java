/**
 * Generation over a {@link dev.jvmllm.api.BatchProcessor}: the direct path
 * ({@link dev.jvmllm.scheduler.DirectGenerator}), the default continuous-batching scheduler
 * ({@link dev.jvmllm.scheduler.ContinuousBatchingScheduler}, provider {@code continuous}) and,
 * as provider {@code serial}, the same scheduler on one sequence: a reference that never batches. Applications usually get a scheduler through
 * {@link dev.jvmllm.api.Schedulers#create(dev.jvmllm.api.Model, dev.jvmllm.api.SchedulerOptions)}.
 */
package dev.jvmllm.scheduler;
