package dev.jvmllm.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Building, starting and stopping an {@link LlmServer}. */
class LlmServerLifecycleTest {
    private final FakeScheduler scheduler = new FakeScheduler();

    @AfterEach
    void close() {
        scheduler.close();
    }

    @Test
    void bindsAnEphemeralPortOnLoopbackByDefault() {
        try (LlmServer server = LlmServer.builder(scheduler).port(0).build().start()) {
            assertThat(server.port()).isPositive();
            assertThat(server.uri().toString()).isEqualTo("http://127.0.0.1:" + server.port());
            assertThat(server.modelName()).isEqualTo("fake-model");
        }
    }

    @Test
    void refusesInvalidSettings() {
        LlmServer.Builder builder = LlmServer.builder(scheduler);

        assertThatThrownBy(() -> builder.port(65536)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("port must be in 0..65535, got 65536");
        assertThatThrownBy(() -> builder.apiKey("  ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the API key must not be blank");
        assertThatThrownBy(() -> builder.maxBodyBytes(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxBodyBytes must be in 1..2147483646, got 0");
        assertThatThrownBy(() -> builder.shutdownGrace(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shutdownGrace must not be negative, got PT-1S");
        assertThatThrownBy(() -> builder.streamCoalescing(Duration.ofMillis(101))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("streamCoalescing must be in 0..100 ms, got PT0.101S");
    }

    @Test
    void startsOnceAndNotAfterClosing() {
        LlmServer server = LlmServer.builder(scheduler).port(0).build();
        assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class).hasMessage("the server is not started");
        server.start();
        assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("the server was started already");
        server.close();
        server.close(); // idempotent
        assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class).hasMessage("the server was shut down");
    }

    @Test
    void portInUseIsAClearError() {
        try (LlmServer first = LlmServer.builder(scheduler).port(0).build().start()) {
            LlmServer second = LlmServer.builder(scheduler).port(first.port()).build();
            assertThatThrownBy(second::start).isInstanceOf(UncheckedIOException.class)
                    .hasMessageStartingWith("cannot listen on 127.0.0.1:" + first.port() + ": ");
        }
    }
}
