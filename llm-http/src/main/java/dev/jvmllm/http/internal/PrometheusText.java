package dev.jvmllm.http.internal;

import dev.jvmllm.api.SchedulerMetrics;
import dev.jvmllm.api.SchedulerMetrics.LatencyStats;
import dev.jvmllm.api.EmbeddingScheduler;

/**
 * Renders metrics in the Prometheus text exposition format 0.0.4: a {@code # HELP} and a
 * {@code # TYPE} line per metric, every sample labelled with the served model. Counters end in
 * {@code _total}; a latency is a summary ({@code _sum}, {@code _count}) plus a {@code _max} gauge.
 */
final class PrometheusText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(2048);
    private String labels;

    /** The metrics of whichever models the server has: generation's, embeddings', or both. */
    static String render(ServerSettings settings, int httpRequestsInFlight) {
        PrometheusText text = new PrometheusText();
        settings.scheduler().ifPresent(scheduler -> text.generation(scheduler.metrics(), settings.modelName()));
        settings.embeddings().ifPresent(batcher -> text.embeddings(batcher, settings.embeddingModelName()));
        text.labels = labels(settings.modelName());
        text.gauge("jvmllm_http_requests_in_flight", "HTTP requests being answered, this one included.",
                httpRequestsInFlight);
        return text.out.toString();
    }

    private void embeddings(EmbeddingScheduler batcher, String model) {
        labels = labels(model);
        counter("jvmllm_embedding_passes_total", "Forward passes of the embedding model.", batcher.passes());
        counter("jvmllm_embedding_inputs_total", "Inputs embedded.", batcher.inputs());
        counter("jvmllm_embedding_tokens_total", "Tokens of the inputs embedded.", batcher.tokens());
    }

    private void generation(SchedulerMetrics metrics, String model) {
        labels = labels(model);
        gauge("jvmllm_queue_depth", "Requests waiting for a sequence.", metrics.queueDepth());
        gauge("jvmllm_active_sequences", "Requests generating now.", metrics.activeSequences());
        counter("jvmllm_requests_submitted_total", "Requests accepted by the scheduler.",
                metrics.requestsSubmitted());
        counter("jvmllm_requests_rejected_total", "Requests refused because the queue was full.",
                metrics.requestsRejected());
        counter("jvmllm_requests_finished_total", "Requests ended for any reason, failures included.",
                metrics.requestsFinished());
        counter("jvmllm_prompt_tokens_total", "Prompt tokens run through the model.", metrics.promptTokens());
        counter("jvmllm_generated_tokens_total", "Tokens generated.", metrics.generatedTokens());
        counter("jvmllm_steps_total", "Forward passes run.", metrics.steps());
        counter("jvmllm_prefix_cache_queries_total", "Prompt tokens looked up in the prefix cache.",
                metrics.prefixCacheQueriedTokens());
        counter("jvmllm_prefix_cache_hits_total", "Prompt tokens a cached prefix held, not computed again.",
                metrics.prefixCacheHitTokens());
        summary("jvmllm_queue_time_seconds", "Time from submit to the request's first forward pass.",
                metrics.queueTime());
        summary("jvmllm_time_to_first_token_seconds", "Time from submit to the first generated token.",
                metrics.timeToFirstToken());
        summary("jvmllm_inter_token_latency_seconds", "Time between consecutive tokens of a request.",
                metrics.interTokenLatency());
    }

    private static String labels(String model) {
        return "{model=\"" + escape(model) + "\"}";
    }

    private void gauge(String name, String help, long value) {
        header(name, help, "gauge");
        sample(name).append(value).append('\n');
    }

    private void counter(String name, String help, long value) {
        header(name, help, "counter");
        sample(name).append(value).append('\n');
    }

    private void summary(String name, String help, LatencyStats stats) {
        header(name, help, "summary");
        sample(name + "_sum").append(stats.sumSeconds()).append('\n');
        sample(name + "_count").append(stats.count()).append('\n');
        header(name + "_max", "The largest observation of " + name + ".", "gauge");
        sample(name + "_max").append(stats.maxSeconds()).append('\n');
    }

    private void header(String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private StringBuilder sample(String name) {
        return out.append(name).append(labels).append(' ');
    }

    /** A label value escapes backslash, double quote and line feed. */
    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
