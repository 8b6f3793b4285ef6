package dev.jvmllm.http.internal;

import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.EmbeddingScheduler;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the request handling needs from the server's configuration. A server has a generation
 * model, an embedding model, or both.
 *
 * @param scheduler runs the generations; empty on a server of an embedding model only
 * @param modelName the name the OpenAI {@code model} fields use for the generation model; on a
 *                  server of an embedding model only, that model's name
 * @param embeddings runs the embeddings; empty on a server without an embedding model
 * @param embeddingModelName the name of the embedding model (meaningless without one)
 * @param apiKeys the keys of which clients must send one as {@code Authorization: Bearer <key>}; empty for none
 * @param maxBodyBytes the largest request body accepted (below {@code Integer.MAX_VALUE}: one more is read to detect excess)
 * @param chatTemplate the built-in chat template used when the model has none
 * @param streamCoalescing how long a streamed token may wait to go out with the next ones; zero for never
 */
public record ServerSettings(Optional<Scheduler> scheduler, String modelName, Optional<EmbeddingScheduler> embeddings,
                             String embeddingModelName, List<String> apiKeys, int maxBodyBytes,
                             Optional<String> chatTemplate, Duration streamCoalescing) {
    public ServerSettings {
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(embeddings, "embeddings");
        Objects.requireNonNull(embeddingModelName, "embeddingModelName");
        apiKeys = List.copyOf(apiKeys);
        Objects.requireNonNull(chatTemplate, "chatTemplate");
        Objects.requireNonNull(streamCoalescing, "streamCoalescing");
        if (scheduler.isEmpty() && embeddings.isEmpty()) {
            throw new IllegalArgumentException("a server needs a generation model, an embedding model or both");
        }
        if (scheduler.isPresent() && embeddings.isPresent() && modelName.equals(embeddingModelName)) {
            throw new IllegalArgumentException("the generation and the embedding model are both named '" + modelName
                    + "': give one of them another name, for clients to tell them apart");
        }
    }

    /** The generation scheduler; one is there wherever an endpoint of generation or tokens was routed. */
    Scheduler generation() {
        return scheduler.orElseThrow();
    }
}
