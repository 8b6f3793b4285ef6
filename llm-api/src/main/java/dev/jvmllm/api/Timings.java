package dev.jvmllm.api;

import java.time.Duration;

/**
 * Where a generation's time went.
 *
 * @param queued from submit until its prompt entered a batch
 * @param timeToFirstToken from submit until the first generated token
 * @param total from submit until the end
 */
public record Timings(Duration queued, Duration timeToFirstToken, Duration total) {
}
