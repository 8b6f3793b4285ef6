package dev.jvmllm.http;

import dev.jvmllm.api.SchedulerMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /health}, {@code /ready}, {@code /v1/models} and {@code /metrics}. */
class InfoEndpointsTest {
    private final FakeServer fake = new FakeServer();

    @AfterEach
    void close() {
        fake.close();
    }

    @Test
    void healthSaysOkWithTheSchedulersLoad() {
        HttpResponse<String> response = fake.client.get("/health");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"status\":\"ok\",\"model\":\"fake-model\",\"active_sequences\":3,\"queue_depth\":2}");
    }

    @Test
    void readyIs200UntilEverySequenceIsBusyAndTheQueueFull() {
        HttpResponse<String> ready = fake.client.get("/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo("{\"status\":\"ready\",\"active_sequences\":3,\"queue_depth\":2}");

        SchedulerMetrics m = FakeScheduler.METRICS;
        fake.scheduler.metrics = new SchedulerMetrics(8, 4, m.requestsSubmitted(), m.requestsRejected(),
                m.requestsFinished(), m.promptTokens(), m.generatedTokens(), m.steps(), m.prefixCacheQueriedTokens(),
                m.prefixCacheHitTokens(), m.kvCacheTokens(), m.kvCacheCapacityTokens(), m.queueTime(),
                m.timeToFirstToken(), m.interTokenLatency(), m.endToEndLatency(), m.requestPromptTokens(),
                m.requestGeneratedTokens());
        HttpResponse<String> full = fake.client.get("/ready");
        assertThat(full.statusCode()).isEqualTo(503);
        assertThat(full.body()).isEqualTo("{\"status\":\"queue_full\",\"active_sequences\":4,\"queue_depth\":8}");
        // liveness does not change with the load
        assertThat(fake.client.get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void probesNeedNoApiKey() {
        try (FakeServer keyed = new FakeServer(builder -> builder.chatTemplate("chatml").apiKey("sk-probe"))) {
            assertThat(keyed.client.get("/ready").statusCode()).isEqualTo(200);
            assertThat(keyed.client.get("/health").statusCode()).isEqualTo(200);
            assertThat(keyed.client.get("/v1/models").statusCode()).isEqualTo(401);
        }
    }

    @Test
    void modelsListsTheServedModel() {
        HttpResponse<String> list = fake.client.get("/v1/models");
        HttpResponse<String> one = fake.client.get("/v1/models/fake-model");

        assertThat(list.statusCode()).isEqualTo(200);
        long created = TestClient.json(list).at("/data/0/created").asLong();
        assertThat(created).isPositive();
        String model = "{\"id\":\"fake-model\",\"object\":\"model\",\"created\":" + created + ",\"owned_by\":\"jvmllm\","
                + "\"context_length\":128,\"meta\":{\"kind\":\"generation\",\"architecture\":\"llama\",\"backend\":\"fake\",\"runtime\":\"fake\","
                + "\"n_vocab\":65536,\"n_ctx_train\":128,\"n_ctx\":128,\"n_seq_max\":4,\"size\":0}}";
        assertThat(list.body()).isEqualTo("{\"object\":\"list\",\"data\":[" + model + "]}");
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(one.body()).isEqualTo(model);
    }

    @Test
    void modelNameCanBeConfigured() {
        try (FakeServer named = new FakeServer(builder -> builder.modelName("stories"))) {
            assertThat(TestClient.json(named.client.get("/v1/models")).at("/data/0/id").asText()).isEqualTo("stories");
            assertThat(named.client.post("/v1/completions", "{\"model\":\"stories\",\"prompt\":\"Hi\"}").statusCode()).isEqualTo(200);
            assertThat(named.client.post("/v1/completions", "{\"model\":\"fake-model\",\"prompt\":\"Hi\"}").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void metricsAreTheSchedulersInPrometheusText() {
        HttpResponse<String> response = fake.client.get("/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(response.body()).contains("""
                # HELP jvmllm_queue_depth Requests waiting for a sequence.
                # TYPE jvmllm_queue_depth gauge
                jvmllm_queue_depth{model="fake-model"} 2.0
                """, """
                # TYPE jvmllm_requests_submitted_total counter
                jvmllm_requests_submitted_total{model="fake-model"} 40.0
                """, """
                jvmllm_prefix_cache_hits_total{model="fake-model"} 320.0
                """, """
                jvmllm_kv_cache_tokens{model="fake-model"} 1500.0
                """, """
                # TYPE jvmllm_time_to_first_token_seconds histogram
                jvmllm_time_to_first_token_seconds_bucket{model="fake-model",le="0.1"} 1
                jvmllm_time_to_first_token_seconds_bucket{model="fake-model",le="1.0"} 3
                jvmllm_time_to_first_token_seconds_bucket{model="fake-model",le="+Inf"} 6
                jvmllm_time_to_first_token_seconds_count{model="fake-model"} 6
                jvmllm_time_to_first_token_seconds_sum{model="fake-model"} 9.5
                """, """
                jvmllm_http_requests_in_flight{model="fake-model"} 1.0
                """);
    }

    @Test
    void metricsAreOpenMetricsForAScraperThatAsksForIt() {
        HttpResponse<String> response = fake.client.send(fake.client.request("/metrics")
                .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8").GET());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/openmetrics-text"));
        assertThat(response.body()).contains("# TYPE jvmllm_requests_submitted counter\n")
                .contains("jvmllm_requests_submitted_total{model=\"fake-model\"} 40.0\n").endsWith("# EOF\n");
    }
}
