package dev.jvmllm.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One generation: a prompt, how to sample, optionally how long it may take in all (queue time
 * included; without a timeout the scheduler derives one from {@code maxTokens}), and whether to
 * report how likely each token was, and what the output must match.
 *
 * @param logprobs   where present, every generated token comes with its {@link TokenLogprob}, listing
 *                   this many of the most likely tokens of its step (0 up to the vocabulary size)
 * @param constraint where present, only tokens it allows are sampled, and the generation ends
 *                   (with {@link FinishReason#STOP}) as soon as it is complete
 */
public record GenerationRequest(Prompt prompt, SamplingParams sampling, Optional<Duration> timeout,
                                OptionalInt logprobs, Optional<OutputConstraint> constraint) {

    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(logprobs, "logprobs");
        Objects.requireNonNull(constraint, "constraint");
        timeout.ifPresent(t -> {
            if (t.isNegative() || t.isZero()) {
                throw new InvalidRequestException("timeout must be positive, got " + t);
            }
        });
        if (logprobs.isPresent() && logprobs.getAsInt() < 0) {
            throw new InvalidRequestException("the number of top log-probabilities must not be negative, got "
                    + logprobs.getAsInt());
        }
    }

    /** A request without log-probabilities or constraint. */
    public GenerationRequest(Prompt prompt, SamplingParams sampling, Optional<Duration> timeout) {
        this(prompt, sampling, timeout, OptionalInt.empty(), Optional.empty());
    }

    public static GenerationRequest of(String prompt, SamplingParams sampling) {
        return new GenerationRequest(Prompt.text(prompt), sampling, Optional.empty());
    }

    public static GenerationRequest of(Prompt prompt, SamplingParams sampling) {
        return new GenerationRequest(prompt, sampling, Optional.empty());
    }

    public GenerationRequest withTimeout(Duration value) {
        return new GenerationRequest(prompt, sampling, Optional.of(value), logprobs, constraint);
    }

    public GenerationRequest withSampling(SamplingParams value) {
        return new GenerationRequest(prompt, value, timeout, logprobs, constraint);
    }

    /** This request with each token's log-probability and the {@code top} most likely tokens of its step. */
    public GenerationRequest withLogprobs(int top) {
        return new GenerationRequest(prompt, sampling, timeout, OptionalInt.of(top), constraint);
    }

    /** This request with its output constrained. */
    public GenerationRequest withConstraint(OutputConstraint value) {
        return new GenerationRequest(prompt, sampling, timeout, logprobs, Optional.of(value));
    }
}
