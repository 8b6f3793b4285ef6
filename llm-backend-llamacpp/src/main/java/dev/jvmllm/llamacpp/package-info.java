/**
 * The llama.cpp backend: {@link dev.jvmllm.llamacpp.LlamaCppBackend} (found by
 * {@link java.util.ServiceLoader} as {@code llamacpp}) opens GGUF files as
 * {@link dev.jvmllm.llamacpp.LlamaCppModel}s, whose {@link dev.jvmllm.llamacpp.LlamaCppBatchProcessor}s
 * run batched forward passes through llama.cpp's C API with {@code java.lang.foreign}.
 * Applications normally see only the {@code dev.jvmllm.api} interfaces.
 */
package dev.jvmllm.llamacpp;
