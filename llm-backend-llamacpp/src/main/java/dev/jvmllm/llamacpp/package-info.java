/**
 * The llama.cpp backend: {@link dev.jvmllm.llamacpp.LlamaCppBackend} (found by
 * {@link java.util.ServiceLoader} as {@code llamacpp}) opens GGUF files as
 * {@link dev.jvmllm.llamacpp.LlamaCppModel}s, whose {@link dev.jvmllm.llamacpp.LlamaCppBatchProcessor}s
 * run batched forward passes through llama.cpp's C API with {@code java.lang.foreign}, or for
 * embeddings as {@link dev.jvmllm.api.EmbeddingModel}s.
 * Applications normally see only the {@code dev.jvmllm.api} interfaces.
 */
package dev.jvmllm.llamacpp;
