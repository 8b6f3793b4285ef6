/**
 * Chat templates and tool calls, the same for every backend.
 *
 * <p>{@link dev.jvmllm.chat.ChatTemplate} renders a conversation the way Hugging Face
 * transformers' {@code apply_chat_template} does, with the model's own Jinja template or a
 * built-in one. {@link dev.jvmllm.chat.ChatTemplate#prompt} adds tools: it renders them the way
 * the template's {@link dev.jvmllm.chat.ToolCallFormat} expects, says what the output must match
 * for the request's {@link dev.jvmllm.chat.ToolChoice} ({@link dev.jvmllm.chat.ConstrainedOutput}),
 * and reads the tool calls back out of the generated text, whole or while it streams.
 */
package dev.jvmllm.chat;
