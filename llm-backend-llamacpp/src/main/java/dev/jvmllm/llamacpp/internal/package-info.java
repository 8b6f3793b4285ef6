/**
 * Not an API: the native library loader, the llama.cpp bindings and the log bridge that the
 * backend is built on. May change in any release.
 */
package dev.jvmllm.llamacpp.internal;
