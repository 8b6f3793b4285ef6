/**
 * Generation over a {@link dev.jvmllm.api.BatchProcessor}: the direct path
 * ({@link dev.jvmllm.scheduler.DirectGenerator}), the default continuous-batching scheduler
 * ({@link dev.jvmllm.scheduler.ContinuousBatchingScheduler}, provider {@code continuous}) and a
 * one-at-a-time reference scheduler ({@link dev.jvmllm.scheduler.SerialScheduler}, provider
 * {@code serial}). Applications usually get a scheduler through
 * {@link dev.jvmllm.api.Schedulers#create(dev.jvmllm.api.Model, dev.jvmllm.api.SchedulerOptions)}.
 */
package dev.jvmllm.scheduler;
