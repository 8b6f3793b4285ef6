package dev.jvmllm.http.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import dev.jvmllm.api.EmbeddingModel;
import dev.jvmllm.api.ModelInfo;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerMetrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code GET /v1/models}, {@code GET /v1/models/{id}}, {@code GET /health}, {@code GET /ready},
 * {@code GET /metrics}, for whichever models the server has, and {@code GET /openapi.json}.
 */
final class InfoEndpoints {
    static final String MODEL_PATH_PREFIX = "/v1/models/";
    /** The OpenAPI document of every endpoint, a resource written by hand; OpenApiDocumentTest checks it against the routes. */
    static final String OPENAPI_RESOURCE = "/dev/jvmllm/http/openapi.json";
    /** Read once, when the first server is set up. */
    private static final byte[] OPENAPI = readOpenApi();

    private final ServerSettings settings;
    private final InFlight inFlight;
    /** The {@code created} time of the model object: when the server was set up. */
    private final long created = System.currentTimeMillis() / 1000;

    InfoEndpoints(ServerSettings settings, InFlight inFlight) {
        this.settings = settings;
        this.inFlight = inFlight;
    }

    /** {@code {"object": "list", "data": [models]}}: the generation model, then the embedding model. */
    void models(HttpExchange exchange) throws IOException {
        Responses.json(exchange, 200, json -> {
            json.writeStartObject();
            json.writeStringField("object", "list");
            json.writeArrayFieldStart("data");
            if (settings.scheduler().isPresent()) {
                writeModel(json);
            }
            if (settings.embeddings().isPresent()) {
                writeEmbeddingModel(json);
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    /** A served model by its id; any other id is 404 {@code model_not_found}. */
    void model(HttpExchange exchange) throws IOException {
        String id = exchange.getRequestURI().getPath().substring(MODEL_PATH_PREFIX.length());
        if (settings.scheduler().isPresent() && id.equals(settings.modelName())) {
            Responses.json(exchange, 200, this::writeModel);
        } else if (settings.embeddings().isPresent() && id.equals(settings.embeddingModelName())) {
            Responses.json(exchange, 200, this::writeEmbeddingModel);
        } else {
            throw ApiError.modelNotFound(id, servedNames());
        }
    }

    /**
     * {@code {"status": "ok", "model", "active_sequences", "queue_depth"}} (the last two of the
     * generation model; 0 without one); answered without an API key.
     */
    void health(HttpExchange exchange) throws IOException {
        Optional<SchedulerMetrics> metrics = settings.scheduler().map(Scheduler::metrics);
        Responses.json(exchange, 200, json -> {
            json.writeStartObject();
            json.writeStringField("status", "ok");
            json.writeStringField("model", settings.modelName());
            writeLoad(json, metrics);
            json.writeEndObject();
        });
    }

    /**
     * Readiness, for a load balancer or a Kubernetes readiness probe: 200 {@code ready} while the
     * server would take a generation, 503 {@code queue_full} while every sequence is busy and the
     * queue holds all it may (the next request would get a 429). While the server shuts down the
     * handler answers 503 {@code shutting_down} before this. {@code /health} stays the liveness:
     * 200 whatever the load.
     */
    void ready(HttpExchange exchange) throws IOException {
        Optional<Scheduler> scheduler = settings.scheduler();
        Optional<SchedulerMetrics> metrics = scheduler.map(Scheduler::metrics);
        boolean full = scheduler.isPresent() && metrics.get().activeSequences() >= scheduler.get().maxSequences()
                && metrics.get().queueDepth() >= scheduler.get().maxQueued();
        Responses.json(exchange, full ? 503 : 200, json -> {
            json.writeStartObject();
            json.writeStringField("status", full ? "queue_full" : "ready");
            writeLoad(json, metrics);
            json.writeEndObject();
        });
    }

    /** The probes' view of the load: sequences generating and requests waiting (0 without a generation model). */
    private static void writeLoad(JsonGenerator json, Optional<SchedulerMetrics> metrics) throws IOException {
        json.writeNumberField("active_sequences", metrics.map(SchedulerMetrics::activeSequences).orElse(0));
        json.writeNumberField("queue_depth", metrics.map(SchedulerMetrics::queueDepth).orElse(0));
    }

    /** Prometheus text, or OpenMetrics where the scraper's {@code Accept} asks for it. */
    void metrics(HttpExchange exchange) throws IOException {
        PrometheusText.Exposition exposition = PrometheusText.render(settings, inFlight.requests(),
                exchange.getRequestHeaders().getFirst("Accept"));
        Responses.send(exchange, 200, exposition.contentType(), exposition.body());
    }

    /**
     * The OpenAPI 3.1 document, as it is in the jar. It needs the API key like every endpoint
     * but the probes: it tells nothing secret, but a server with a key answers nothing else
     * about itself to a client without one.
     */
    void openapi(HttpExchange exchange) throws IOException {
        Responses.send(exchange, 200, Responses.JSON, OPENAPI);
    }

    private static byte[] readOpenApi() {
        try (InputStream in = InfoEndpoints.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the resource " + OPENAPI_RESOURCE + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + OPENAPI_RESOURCE, e);
        }
    }

    /** The names of the served models, for an error message. */
    String servedNames() {
        if (settings.scheduler().isPresent() && settings.embeddings().isPresent()) {
            return settings.modelName() + "' and '" + settings.embeddingModelName();
        }
        return settings.modelName();
    }

    /** The fields every model object starts with, up to the kind-specific ones inside the open {@code meta}. */
    private void writeModelStart(JsonGenerator json, String id, int contextLength, String kind, ModelInfo info)
            throws IOException {
        json.writeStartObject();
        json.writeStringField("id", id);
        json.writeStringField("object", "model");
        json.writeNumberField("created", created);
        json.writeStringField("owned_by", "jvmllm");
        json.writeNumberField("context_length", contextLength);
        json.writeObjectFieldStart("meta");
        json.writeStringField("kind", kind);
        json.writeStringField("architecture", info.architecture());
        json.writeStringField("backend", info.backend());
        json.writeStringField("runtime", info.runtime());
        json.writeNumberField("n_vocab", info.vocabularySize());
    }

    /**
     * The embedding model's object: {@code context_length} is the most tokens of one input;
     * {@code meta} adds the vector's length and the pooling.
     */
    private void writeEmbeddingModel(JsonGenerator json) throws IOException {
        EmbeddingModel model = settings.embeddings().orElseThrow().model();
        ModelInfo info = model.info();
        writeModelStart(json, settings.embeddingModelName(), model.maxInputTokens(), "embedding", info);
        json.writeNumberField("n_embd", model.dimensions());
        json.writeStringField("pooling", model.pooling().name().toLowerCase(Locale.ROOT));
        json.writeBooleanField("normalized", model.normalized());
        json.writeNumberField("size", info.weightBytes());
        json.writeEndObject();
        json.writeEndObject();
    }

    /**
     * OpenAI's model object, with {@code context_length} (the tokens one request can hold) and,
     * as llama-server does, {@code meta}: what the model is and how it is served.
     */
    private void writeModel(JsonGenerator json) throws IOException {
        Scheduler scheduler = settings.generation();
        ModelInfo info = scheduler.model().info();
        writeModelStart(json, settings.modelName(), scheduler.contextSize(), "generation", info);
        json.writeNumberField("n_ctx_train", info.trainedContextLength());
        json.writeNumberField("n_ctx", scheduler.contextSize());
        json.writeNumberField("n_seq_max", scheduler.maxSequences());
        json.writeNumberField("size", info.weightBytes());
        json.writeEndObject();
        json.writeEndObject();
    }
}
