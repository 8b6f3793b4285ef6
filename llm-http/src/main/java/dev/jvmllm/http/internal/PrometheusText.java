package dev.jvmllm.http.internal;

import dev.jvmllm.api.EmbeddingScheduler;
import dev.jvmllm.api.SchedulerMetrics;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * {@code /metrics}: the scheduler's counters, gauges and histograms (names and buckets
 * comparable to vLLM's), the embedding batcher's counters and the HTTP requests in flight, as
 * Prometheus' data model, written by Prometheus' own writers: the text format 0.0.4, or
 * OpenMetrics for a scraper that asks for it ({@code Accept: application/openmetrics-text}).
 * Every sample is labelled with its model.
 */
final class PrometheusText {
    private static final ExpositionFormatWriter TEXT = PrometheusTextFormatWriter.create();
    private static final ExpositionFormatWriter OPEN_METRICS = OpenMetricsTextFormatWriter.create();

    private final MetricSnapshots.Builder snapshots = MetricSnapshots.builder();

    private PrometheusText() {
    }

    /** The exposition of the server's metrics, in the format {@code accept} asks for. */
    static Exposition render(ServerSettings settings, int httpRequestsInFlight, String accept) throws IOException {
        PrometheusText text = new PrometheusText();
        settings.scheduler().ifPresent(scheduler -> text.generation(scheduler.metrics(), Labels.of("model",
                settings.modelName())));
        settings.embeddings().ifPresent(batcher -> text.embeddings(batcher, Labels.of("model",
                settings.embeddingModelName())));
        text.gauge("jvmllm_http_requests_in_flight", "HTTP requests being answered, this one included.",
                Labels.of("model", settings.modelName()), httpRequestsInFlight);
        ExpositionFormatWriter writer = accept != null && OPEN_METRICS.accepts(accept) ? OPEN_METRICS : TEXT;
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        writer.write(out, text.snapshots.build());
        return new Exposition(writer.getContentType(), out.toByteArray());
    }

    /** What {@code /metrics} answers. */
    record Exposition(String contentType, byte[] body) {
    }

    private void generation(SchedulerMetrics metrics, Labels model) {
        gauge("jvmllm_queue_depth", "Requests waiting for a sequence.", model, metrics.queueDepth());
        gauge("jvmllm_active_sequences", "Requests generating now.", model, metrics.activeSequences());
        counter("jvmllm_requests_submitted", "Requests accepted by the scheduler.", model, metrics.requestsSubmitted());
        counter("jvmllm_requests_rejected", "Requests refused because the queue was full.", model,
                metrics.requestsRejected());
        counter("jvmllm_requests_finished", "Requests ended for any reason, failures included.", model,
                metrics.requestsFinished());
        counter("jvmllm_prompt_tokens", "Prompt tokens run through the model.", model, metrics.promptTokens());
        counter("jvmllm_generation_tokens", "Tokens generated.", model, metrics.generatedTokens());
        counter("jvmllm_steps", "Forward passes run.", model, metrics.steps());
        counter("jvmllm_prefix_cache_queries", "Prompt tokens looked up in the prefix cache.", model,
                metrics.prefixCacheQueriedTokens());
        counter("jvmllm_prefix_cache_hits", "Prompt tokens a cached prefix held, not computed again.", model,
                metrics.prefixCacheHitTokens());
        gauge("jvmllm_kv_cache_tokens", "Tokens the KV cache holds, for running requests and cached prefixes.", model,
                metrics.kvCacheTokens());
        gauge("jvmllm_kv_cache_capacity_tokens", "Tokens the KV cache can hold.", model, metrics.kvCacheCapacityTokens());
        histogram("jvmllm_request_queue_time_seconds", "Time from submit to the request's first forward pass.", model,
                metrics.queueTime());
        histogram("jvmllm_time_to_first_token_seconds", "Time from submit to the first generated token.", model,
                metrics.timeToFirstToken());
        histogram("jvmllm_inter_token_latency_seconds", "Time between consecutive tokens of a request.", model,
                metrics.interTokenLatency());
        histogram("jvmllm_e2e_request_latency_seconds", "Time from submit to the end of the request.", model,
                metrics.endToEndLatency());
        histogram("jvmllm_request_prompt_tokens", "Prompt tokens of each ended request.", model,
                metrics.requestPromptTokens());
        histogram("jvmllm_request_generation_tokens", "Tokens each ended request generated.", model,
                metrics.requestGeneratedTokens());
    }

    private void embeddings(EmbeddingScheduler batcher, Labels model) {
        counter("jvmllm_embedding_passes", "Forward passes of the embedding model.", model, batcher.passes());
        counter("jvmllm_embedding_inputs", "Inputs embedded.", model, batcher.inputs());
        counter("jvmllm_embedding_tokens", "Tokens of the inputs embedded.", model, batcher.tokens());
    }

    /** A counter; the writers add {@code _total} to its name. */
    private void counter(String name, String help, Labels labels, long value) {
        snapshots.metricSnapshot(CounterSnapshot.builder().name(name).help(help)
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(value).build())
                .build());
    }

    private void gauge(String name, String help, Labels labels, double value) {
        snapshots.metricSnapshot(GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build())
                .build());
    }

    private void histogram(String name, String help, Labels labels, SchedulerMetrics.Histogram histogram) {
        double[] bounds = histogram.upperBounds();
        long[] counts = histogram.counts();
        ClassicHistogramBuckets.Builder buckets = ClassicHistogramBuckets.builder();
        for (int i = 0; i < bounds.length; i++) {
            buckets.bucket(bounds[i], counts[i]);
        }
        buckets.bucket(Double.POSITIVE_INFINITY, counts[bounds.length]);
        snapshots.metricSnapshot(HistogramSnapshot.builder().name(name).help(help)
                .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels)
                        .classicHistogramBuckets(buckets.build()).sum(histogram.sum()).build())
                .build());
    }
}
