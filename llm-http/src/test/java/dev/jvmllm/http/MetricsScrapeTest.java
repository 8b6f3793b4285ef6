package dev.jvmllm.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvmllm.api.Backends;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /metrics} after known requests on stories260K, read with Prometheus' reference parser
 * (the Python client's; its Java client writes but does not parse), in both formats: the
 * counters and every histogram's count and sum must be what the requests did.
 */
class MetricsScrapeTest {
    private static final List<String> PROMPTS = List.of("Once upon a time", "The cat sat", "Once upon a time",
            "A little bird", "Once upon a time, there was");
    /** Reads an exposition on stdin; prints {sample name + labels: value} as JSON. */
    private static final String PARSER = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families as prometheus
            from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics
            parse = openmetrics if sys.argv[1] == 'openmetrics' else prometheus
            samples = {}
            for family in parse(sys.stdin.read()):
                for s in family.samples:
                    labels = ','.join(k + '=' + v for k, v in sorted(s.labels.items()) if k != 'model')
                    samples[s.name + ('{' + labels + '}' if labels else '')] = s.value
            print(json.dumps(samples))
            """;

    private static Model model;
    private static Scheduler scheduler;
    private static LlmServer server;
    private static TestClient http;

    @BeforeAll
    static void start() {
        model = Backends.open(TestAssets.stories());
        scheduler = Schedulers.create(model, SchedulerOptions.defaults().withMaxSequences(2).withContextSize(256));
        server = LlmServer.builder(scheduler).port(0).build().start();
        http = new TestClient(server, null);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (scheduler != null) {
            scheduler.close();
        }
        if (model != null) {
            model.close();
        }
    }

    @Test
    void theParsedMetricsAddUpToTheRequestsMade() throws Exception {
        long prompt = 0;
        long completion = 0;
        long cached = 0;
        for (String text : PROMPTS) {
            HttpResponse<String> response = http.post("/v1/completions",
                    "{\"prompt\": \"" + text + "\", \"max_tokens\": 6, \"temperature\": 0}");
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode usage = TestClient.json(response).get("usage");
            prompt += usage.get("prompt_tokens").asLong();
            completion += usage.get("completion_tokens").asLong();
            cached += usage.at("/prompt_tokens_details/cached_tokens").asLong();
        }
        assertThat(cached).as("the repeated prompts hit the prefix cache").isPositive();

        for (String format : List.of("prometheus", "openmetrics")) {
            String accept = format.equals("openmetrics") ? "application/openmetrics-text; version=1.0.0" : "text/plain";
            HttpResponse<String> scrape = http.send(http.request("/metrics").header("Accept", accept).GET());
            JsonNode samples = parse(format, scrape.body());
            int requests = PROMPTS.size();
            assertThat(samples.get("jvmllm_requests_submitted_total").asLong()).as(format).isEqualTo(requests);
            assertThat(samples.get("jvmllm_requests_finished_total").asLong()).as(format).isEqualTo(requests);
            assertThat(samples.get("jvmllm_generation_tokens_total").asLong()).as(format).isEqualTo(completion);
            assertThat(samples.get("jvmllm_prompt_tokens_total").asLong()).as(format).isEqualTo(prompt - cached);
            assertThat(samples.get("jvmllm_prefix_cache_queries_total").asLong()).as(format).isEqualTo(prompt);
            assertThat(samples.get("jvmllm_prefix_cache_hits_total").asLong()).as(format).isEqualTo(cached);
            assertThat(samples.get("jvmllm_kv_cache_tokens").asLong()).as(format).isPositive()
                    .isLessThanOrEqualTo(samples.get("jvmllm_kv_cache_capacity_tokens").asLong());
            for (String histogram : List.of("jvmllm_request_queue_time_seconds", "jvmllm_time_to_first_token_seconds",
                    "jvmllm_e2e_request_latency_seconds", "jvmllm_request_prompt_tokens",
                    "jvmllm_request_generation_tokens")) {
                assertThat(samples.get(histogram + "_count").asLong()).as(format + " " + histogram).isEqualTo(requests);
                assertThat(samples.get(histogram + "_bucket{le=+Inf}").asLong()).as(format + " " + histogram)
                        .isEqualTo(requests);
            }
            assertThat(samples.get("jvmllm_inter_token_latency_seconds_count").asLong()).as(format)
                    .isEqualTo(completion - requests);
            assertThat(samples.get("jvmllm_request_prompt_tokens_sum").asLong()).as(format).isEqualTo(prompt);
            assertThat(samples.get("jvmllm_request_generation_tokens_sum").asLong()).as(format).isEqualTo(completion);
            // the 6 generated tokens of every request sit in the bucket "<= 10", not "<= 5"
            assertThat(samples.get("jvmllm_request_generation_tokens_bucket{le=5.0}").asLong()).as(format).isZero();
            assertThat(samples.get("jvmllm_request_generation_tokens_bucket{le=10.0}").asLong()).as(format)
                    .isEqualTo(requests);
        }
    }

    /** The samples of an exposition, as prometheus_client parses them. */
    private static JsonNode parse(String format, String exposition) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("python3", "-c", PARSER, format).redirectErrorStream(true);
        builder.environment().put("PYTHONPATH", TestAssets.prometheusClient().toString());
        Process process = builder.start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return TestClient.JSON.readTree(output);
    }
}
