package dev.jvmllm.http.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import dev.jvmllm.api.ModelInfo;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerMetrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** {@code GET /v1/models}, {@code GET /v1/models/{id}}, {@code GET /health} and {@code GET /metrics}. */
final class InfoEndpoints {
    static final String MODEL_PATH_PREFIX = "/v1/models/";

    private final ServerSettings settings;
    private final InFlight inFlight;
    /** The {@code created} time of the model object: when the server was set up. */
    private final long created = System.currentTimeMillis() / 1000;

    InfoEndpoints(ServerSettings settings, InFlight inFlight) {
        this.settings = settings;
        this.inFlight = inFlight;
    }

    /** {@code {"object": "list", "data": [model]}}: the one model this server serves. */
    void models(HttpExchange exchange) throws IOException {
        Responses.json(exchange, 200, json -> {
            json.writeStartObject();
            json.writeStringField("object", "list");
            json.writeArrayFieldStart("data");
            writeModel(json);
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    /** The served model by its id; any other id is 404 {@code model_not_found}. */
    void model(HttpExchange exchange) throws IOException {
        String id = exchange.getRequestURI().getPath().substring(MODEL_PATH_PREFIX.length());
        if (!id.equals(settings.modelName())) {
            throw ApiError.modelNotFound(id, settings.modelName());
        }
        Responses.json(exchange, 200, this::writeModel);
    }

    /** {@code {"status": "ok", "model", "active_sequences", "queue_depth"}}; answered without an API key. */
    void health(HttpExchange exchange) throws IOException {
        SchedulerMetrics metrics = settings.scheduler().metrics();
        Responses.json(exchange, 200, json -> {
            json.writeStartObject();
            json.writeStringField("status", "ok");
            json.writeStringField("model", settings.modelName());
            json.writeNumberField("active_sequences", metrics.activeSequences());
            json.writeNumberField("queue_depth", metrics.queueDepth());
            json.writeEndObject();
        });
    }

    void metrics(HttpExchange exchange) throws IOException {
        String text = PrometheusText.render(settings.scheduler().metrics(), settings.modelName(), inFlight.requests());
        Responses.send(exchange, 200, PrometheusText.CONTENT_TYPE, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * OpenAI's model object, with {@code context_length} (the tokens one request can hold) and,
     * as llama-server does, {@code meta}: what the model is and how it is served.
     */
    private void writeModel(JsonGenerator json) throws IOException {
        Scheduler scheduler = settings.scheduler();
        ModelInfo info = scheduler.model().info();
        json.writeStartObject();
        json.writeStringField("id", settings.modelName());
        json.writeStringField("object", "model");
        json.writeNumberField("created", created);
        json.writeStringField("owned_by", "jvmllm");
        json.writeNumberField("context_length", scheduler.contextSize());
        json.writeObjectFieldStart("meta");
        json.writeStringField("architecture", info.architecture());
        json.writeStringField("backend", info.backend());
        json.writeStringField("runtime", info.runtime());
        json.writeNumberField("n_vocab", info.vocabularySize());
        json.writeNumberField("n_ctx_train", info.trainedContextLength());
        json.writeNumberField("n_ctx", scheduler.contextSize());
        json.writeNumberField("n_seq_max", scheduler.maxSequences());
        json.writeNumberField("size", info.weightBytes());
        json.writeEndObject();
        json.writeEndObject();
    }
}
