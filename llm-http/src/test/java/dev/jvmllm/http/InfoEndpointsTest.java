package dev.jvmllm.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /health}, {@code /v1/models} and {@code /metrics}. */
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
        assertThat(response.body()).isEqualTo("""
                # HELP jvmllm_queue_depth Requests waiting for a sequence.
                # TYPE jvmllm_queue_depth gauge
                jvmllm_queue_depth{model="fake-model"} 2
                # HELP jvmllm_active_sequences Requests generating now.
                # TYPE jvmllm_active_sequences gauge
                jvmllm_active_sequences{model="fake-model"} 3
                # HELP jvmllm_requests_submitted_total Requests accepted by the scheduler.
                # TYPE jvmllm_requests_submitted_total counter
                jvmllm_requests_submitted_total{model="fake-model"} 40
                # HELP jvmllm_requests_rejected_total Requests refused because the queue was full.
                # TYPE jvmllm_requests_rejected_total counter
                jvmllm_requests_rejected_total{model="fake-model"} 5
                # HELP jvmllm_requests_finished_total Requests ended for any reason, failures included.
                # TYPE jvmllm_requests_finished_total counter
                jvmllm_requests_finished_total{model="fake-model"} 33
                # HELP jvmllm_prompt_tokens_total Prompt tokens run through the model.
                # TYPE jvmllm_prompt_tokens_total counter
                jvmllm_prompt_tokens_total{model="fake-model"} 700
                # HELP jvmllm_generated_tokens_total Tokens generated.
                # TYPE jvmllm_generated_tokens_total counter
                jvmllm_generated_tokens_total{model="fake-model"} 1200
                # HELP jvmllm_steps_total Forward passes run.
                # TYPE jvmllm_steps_total counter
                jvmllm_steps_total{model="fake-model"} 900
                # HELP jvmllm_prefix_cache_queries_total Prompt tokens looked up in the prefix cache.
                # TYPE jvmllm_prefix_cache_queries_total counter
                jvmllm_prefix_cache_queries_total{model="fake-model"} 650
                # HELP jvmllm_prefix_cache_hits_total Prompt tokens a cached prefix held, not computed again.
                # TYPE jvmllm_prefix_cache_hits_total counter
                jvmllm_prefix_cache_hits_total{model="fake-model"} 320
                # HELP jvmllm_queue_time_seconds Time from submit to the request's first forward pass.
                # TYPE jvmllm_queue_time_seconds summary
                jvmllm_queue_time_seconds_sum{model="fake-model"} 1.5
                jvmllm_queue_time_seconds_count{model="fake-model"} 33
                # HELP jvmllm_queue_time_seconds_max The largest observation of jvmllm_queue_time_seconds.
                # TYPE jvmllm_queue_time_seconds_max gauge
                jvmllm_queue_time_seconds_max{model="fake-model"} 0.25
                # HELP jvmllm_time_to_first_token_seconds Time from submit to the first generated token.
                # TYPE jvmllm_time_to_first_token_seconds summary
                jvmllm_time_to_first_token_seconds_sum{model="fake-model"} 3.0
                jvmllm_time_to_first_token_seconds_count{model="fake-model"} 33
                # HELP jvmllm_time_to_first_token_seconds_max The largest observation of jvmllm_time_to_first_token_seconds.
                # TYPE jvmllm_time_to_first_token_seconds_max gauge
                jvmllm_time_to_first_token_seconds_max{model="fake-model"} 0.5
                # HELP jvmllm_inter_token_latency_seconds Time between consecutive tokens of a request.
                # TYPE jvmllm_inter_token_latency_seconds summary
                jvmllm_inter_token_latency_seconds_sum{model="fake-model"} 2.2
                jvmllm_inter_token_latency_seconds_count{model="fake-model"} 1100
                # HELP jvmllm_inter_token_latency_seconds_max The largest observation of jvmllm_inter_token_latency_seconds.
                # TYPE jvmllm_inter_token_latency_seconds_max gauge
                jvmllm_inter_token_latency_seconds_max{model="fake-model"} 0.01
                # HELP jvmllm_http_requests_in_flight HTTP requests being answered, this one included.
                # TYPE jvmllm_http_requests_in_flight gauge
                jvmllm_http_requests_in_flight{model="fake-model"} 1
                """);
    }
}
