/**
 * Reading and writing GGUF, the file format of llama.cpp models: {@link dev.jvmllm.gguf.GgufFile}
 * reads a header (metadata and tensor descriptions) safely and tensor data on demand,
 * {@link dev.jvmllm.gguf.GgufWriter} writes GGUF version 3, and
 * {@link dev.jvmllm.gguf.RandomLlamaModel} writes a tiny random-weight llama model for tests.
 * No dependencies.
 */
package dev.jvmllm.gguf;
