package dev.jvmllm.http.internal;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What the server knows of its own API, for tests outside this package (the OpenAPI document's):
 * its routes, and per POST endpoint the top-level request fields it honours, accepts without
 * effect, or refuses. A test-side bridge, so that none of it is public in the server.
 */
public final class ApiDescription {
    /** The fields of one endpoint's request body, by what the server does with them. */
    public record Fields(Set<String> honoured, Set<String> withoutEffect, Set<String> refused) {
        public Set<String> all() {
            Set<String> all = new HashSet<>(honoured);
            all.addAll(withoutEffect);
            all.addAll(refused);
            return all;
        }
    }

    private ApiDescription() {
    }

    /** Each path the handler of these settings routes, and its method; {@code /v1/models/{id}} for the model route. */
    public static Map<String, String> routes(ServerSettings settings) {
        return new ApiHandler(settings).routeMethods();
    }

    /** Per POST path, its fields; /v1/embeddings has one flat set, here all honoured. */
    public static Map<String, Fields> requestFields() {
        return Map.of(
                "/generate", of(FieldPolicy.GENERATE),
                "/v1/completions", of(FieldPolicy.COMPLETIONS),
                "/v1/chat/completions", of(FieldPolicy.CHAT),
                "/tokenize", of(FieldPolicy.TOKENIZE),
                "/detokenize", of(FieldPolicy.DETOKENIZE),
                "/v1/embeddings", new Fields(EmbeddingEndpoints.FIELDS, Set.of(), Set.of()));
    }

    /** Why each refused field of a path is refused, as its 400 says. */
    public static Map<String, String> refusedBecause(String path) {
        return switch (path) {
            case "/v1/completions" -> FieldPolicy.COMPLETIONS.refused();
            case "/v1/chat/completions" -> FieldPolicy.CHAT.refused();
            default -> Map.of();
        };
    }

    /** The resource the server sends at {@code GET /openapi.json}. */
    public static String openApiResource() {
        return InfoEndpoints.OPENAPI_RESOURCE;
    }

    private static Fields of(FieldPolicy policy) {
        return new Fields(policy.honoured(), policy.withoutEffect(), policy.refused().keySet());
    }
}
