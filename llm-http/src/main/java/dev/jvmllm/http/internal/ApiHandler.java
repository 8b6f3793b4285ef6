package dev.jvmllm.http.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.jvmllm.api.LlmException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The server's one handler, in front of every endpoint. In order, for each exchange: refuse it
 * while draining (503), check the API key (401; {@code /health} and {@code /ready} are exempt, for
 * probes), find the
 * endpoint (404) and its method (405), run it. Whatever an endpoint throws becomes an error
 * answer in the OpenAI shape ({@link ApiError}); the exchange is always closed and the server
 * keeps serving.
 */
public final class ApiHandler implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiHandler.class);
    private static final String HEALTH = "/health";
    private static final String READY = "/ready";

    /** One endpoint: the method it answers and what it does. */
    private record Route(String method, Endpoint endpoint) {
    }

    @FunctionalInterface
    private interface Endpoint {
        void handle(HttpExchange exchange) throws IOException;
    }

    private final InFlight inFlight = new InFlight();
    /** Digests of the accepted keys; empty when no key is needed. */
    private final List<byte[]> apiKeyDigests;
    private final Map<String, Route> routes;
    private final Route modelRoute;

    public ApiHandler(ServerSettings settings) {
        this.apiKeyDigests = settings.apiKeys().stream().map(ApiHandler::sha256).toList();
        InfoEndpoints info = new InfoEndpoints(settings, inFlight);
        Map<String, Route> routes = new HashMap<>();
        routes.put("/v1/models", new Route("GET", info::models));
        routes.put(HEALTH, new Route("GET", info::health));
        routes.put(READY, new Route("GET", info::ready));
        routes.put("/metrics", new Route("GET", info::metrics));
        routes.put("/openapi.json", new Route("GET", info::openapi));
        Map<String, Route> generationRoutes = new HashMap<>();
        if (settings.scheduler().isPresent()) {
            GenerationEndpoints generation = new GenerationEndpoints(settings,
                    new Generations(settings.generation(), inFlight, settings.streamCoalescing()));
            TokenEndpoints tokens = new TokenEndpoints(settings);
            generationRoutes.put("/generate", new Route("POST", generation::generate));
            generationRoutes.put("/v1/completions", new Route("POST", generation::completions));
            generationRoutes.put("/v1/chat/completions", new Route("POST", generation::chat));
            generationRoutes.put("/tokenize", new Route("POST", tokens::tokenize));
            generationRoutes.put("/detokenize", new Route("POST", tokens::detokenize));
        } else {
            for (String path : List.of("/generate", "/v1/completions", "/v1/chat/completions", "/tokenize", "/detokenize")) {
                generationRoutes.put(path, new Route("POST", exchange -> {
                    throw ApiError.notSupported("this server serves only the embedding model '"
                            + settings.embeddingModelName() + "', which generates no text; " + path
                            + " needs a generation model (./llm serve --model PATH)");
                }));
            }
        }
        routes.putAll(generationRoutes);
        if (settings.embeddings().isPresent()) {
            routes.put("/v1/embeddings", new Route("POST", new EmbeddingEndpoints(settings)::embeddings));
        } else {
            routes.put("/v1/embeddings", new Route("POST", exchange -> {
                throw ApiError.notSupported("this server serves no embedding model, only '" + settings.modelName()
                        + "', which generates text; start it with --embedding-model PATH to serve embeddings too");
            }));
        }
        this.routes = Map.copyOf(routes);
        this.modelRoute = new Route("GET", info::model);
    }

    /** Each path and its method, the model route as {@code /v1/models/{id}}: what the OpenAPI document's test compares. */
    Map<String, String> routeMethods() {
        Map<String, String> methods = new HashMap<>();
        routes.forEach((path, route) -> methods.put(path, route.method()));
        methods.put(InfoEndpoints.MODEL_PATH_PREFIX + "{id}", modelRoute.method());
        return methods;
    }

    /** The requests in flight, for the server's graceful shutdown. */
    public InFlight inFlight() {
        return inFlight;
    }

    @Override
    public void handle(HttpExchange exchange) {
        inFlight.enter();
        try (exchange) {
            serve(exchange);
        } finally {
            inFlight.exit();
        }
    }

    private void serve(HttpExchange exchange) {
        try {
            if (inFlight.draining()) {
                throw ApiError.shuttingDown();
            }
            String path = exchange.getRequestURI().getPath();
            if (!HEALTH.equals(path) && !READY.equals(path)) {
                authorize(exchange);
            }
            String method = exchange.getRequestMethod();
            Route route = route(path, method);
            if (!route.method().equals(method)) {
                throw ApiError.methodNotAllowed(method, path, route.method());
            }
            route.endpoint().handle(exchange);
        } catch (ApiError e) {
            reply(exchange, e);
        } catch (LlmException e) {
            reply(exchange, ApiError.from(e));
        } catch (IOException e) {
            log.debug("{} {}: the client went away: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
        } catch (RuntimeException e) {
            log.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            reply(exchange, ApiError.internal("internal error: " + e));
        }
    }

    private Route route(String path, String method) {
        Route route = routes.get(path);
        if (route == null && path.startsWith(InfoEndpoints.MODEL_PATH_PREFIX)) {
            route = modelRoute;
        }
        if (route == null) {
            throw ApiError.unknownPath(method, path);
        }
        return route;
    }

    /**
     * Compares digests of the keys in constant time, so that neither content nor length leaks, and
     * with every accepted key, so that the time does not tell which one came close.
     */
    private void authorize(HttpExchange exchange) {
        if (apiKeyDigests.isEmpty()) {
            return;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        String scheme = "Bearer ";
        if (header == null || !header.regionMatches(true, 0, scheme, 0, scheme.length())) {
            throw ApiError.missingApiKey();
        }
        byte[] digest = sha256(header.substring(scheme.length()).strip());
        boolean accepted = false;
        for (byte[] key : apiKeyDigests) {
            accepted |= MessageDigest.isEqual(key, digest);
        }
        if (!accepted) {
            throw ApiError.wrongApiKey();
        }
    }

    private static void reply(HttpExchange exchange, ApiError error) {
        if (error.status() == 500) {
            log.warn("{} {}: {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), error.status(), error.getMessage());
        } else {
            log.debug("{} {}: {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), error.status(), error.getMessage());
        }
        if (exchange.getResponseCode() != -1) {
            return; // a stream already sent its status; it ends here
        }
        try {
            Responses.error(exchange, error);
        } catch (IOException e) {
            log.debug("could not send the error answer: {}", e.toString());
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
