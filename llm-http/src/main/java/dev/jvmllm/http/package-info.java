/**
 * The embedded HTTP server: {@link dev.jvmllm.http.LlmServer} exposes a
 * {@link dev.jvmllm.api.Scheduler} as a seed-style {@code /generate} endpoint and the
 * OpenAI-compatible API ({@code /v1/completions}, {@code /v1/chat/completions},
 * {@code /v1/models}), plus {@code /health} and Prometheus {@code /metrics}.
 * Everything in {@code dev.jvmllm.http.internal} is an implementation detail.
 */
package dev.jvmllm.http;
