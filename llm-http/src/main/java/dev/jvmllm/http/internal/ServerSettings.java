package dev.jvmllm.http.internal;

import dev.jvmllm.api.Scheduler;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What the request handling needs from the server's configuration.
 *
 * @param scheduler runs the generations
 * @param modelName the name the OpenAI {@code model} fields use
 * @param apiKey the key clients must send as {@code Authorization: Bearer <key>}; empty for none
 * @param maxBodyBytes the largest request body accepted (below {@code Integer.MAX_VALUE}: one more is read to detect excess)
 * @param chatTemplate the built-in chat template used when the model has none
 * @param streamCoalescing how long a streamed token may wait to go out with the next ones; zero for never
 */
public record ServerSettings(Scheduler scheduler, String modelName, Optional<String> apiKey, int maxBodyBytes,
                             Optional<String> chatTemplate, Duration streamCoalescing) {
    public ServerSettings {
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(chatTemplate, "chatTemplate");
        Objects.requireNonNull(streamCoalescing, "streamCoalescing");
    }
}
