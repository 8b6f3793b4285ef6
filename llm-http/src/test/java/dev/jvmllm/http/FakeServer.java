package dev.jvmllm.http;

import java.util.function.UnaryOperator;

/** A server over a {@link FakeScheduler} on an ephemeral port, and a {@link TestClient} to call it. */
final class FakeServer implements AutoCloseable {
    final FakeScheduler scheduler = new FakeScheduler();
    final LlmServer server;
    final TestClient client;

    /** With the {@code chatml} template for chat (the fake model has none of its own). */
    FakeServer() {
        this(builder -> builder.chatTemplate("chatml"));
    }

    /** Configured from a builder on port 0. */
    FakeServer(UnaryOperator<LlmServer.Builder> configure) {
        server = configure.apply(LlmServer.builder(scheduler).port(0)).build().start();
        client = new TestClient(server, null);
    }

    @Override
    public void close() {
        server.close();
        client.close();
        scheduler.close();
    }
}
