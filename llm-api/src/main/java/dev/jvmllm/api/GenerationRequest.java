package dev.jvmllm.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One generation: a prompt, how to sample, and optionally how long it may take in all (queue
 * time included). Without a timeout the scheduler derives one from {@code maxTokens}.
 */
public record GenerationRequest(Prompt prompt, SamplingParams sampling, Optional<Duration> timeout) {

    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(timeout, "timeout");
        timeout.ifPresent(t -> {
            if (t.isNegative() || t.isZero()) {
                throw new InvalidRequestException("timeout must be positive, got " + t);
            }
        });
    }

    public static GenerationRequest of(String prompt, SamplingParams sampling) {
        return new GenerationRequest(Prompt.text(prompt), sampling, Optional.empty());
    }

    public static GenerationRequest of(Prompt prompt, SamplingParams sampling) {
        return new GenerationRequest(prompt, sampling, Optional.empty());
    }

    public GenerationRequest withTimeout(Duration value) {
        return new GenerationRequest(prompt, sampling, Optional.of(value));
    }
}
