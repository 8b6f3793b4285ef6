package dev.jvmllm.http.internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Which top-level fields an endpoint takes, so that none is silently ignored: a field it honours
 * is read by the endpoint; a field that changes nothing this server produces (such as
 * {@code user} or {@code store}) is accepted; a field that would change the output and is not
 * implemented is a 400 naming it and saying why; any other field is a 400 too, as OpenAI answers
 * an unknown one. Checked before anything else of the request is read.
 */
record FieldPolicy(Set<String> honoured, Set<String> withoutEffect, Map<String, String> refused) {
    private static final Set<String> SAMPLING = Set.of("temperature", "top_k", "top_p", "min_p",
            "repetition_penalty", "presence_penalty", "frequency_penalty", "seed", "stop", "max_tokens", "stream");

    /** Fields of OpenAI requests that change nothing here: bookkeeping, routing and storage on OpenAI's side. */
    private static final Set<String> OPENAI_BOOKKEEPING = Set.of("user", "metadata", "store", "service_tier",
            "safety_identifier", "prompt_cache_key", "prompt_cache_retention");

    static final FieldPolicy GENERATE = new FieldPolicy(
            union(SAMPLING, Set.of("prompt", "grammar", "json_schema")), Set.of(), Map.of());

    static final FieldPolicy COMPLETIONS = new FieldPolicy(
            union(SAMPLING, Set.of("model", "prompt", "n", "logprobs", "stream_options", "echo", "best_of")),
            OPENAI_BOOKKEEPING,
            Map.of("logit_bias", "token biases are not implemented",
                    "suffix", "insertion (fill-in-the-middle) is not implemented"));

    static final FieldPolicy CHAT = new FieldPolicy(
            union(SAMPLING, Set.of("model", "messages", "max_completion_tokens", "n", "logprobs", "top_logprobs",
                    "stream_options", "tools", "tool_choice", "parallel_tool_calls", "response_format", "modalities")),
            OPENAI_BOOKKEEPING,
            Map.of("logit_bias", "token biases are not implemented",
                    "audio", "this server produces text only",
                    "prediction", "predicted outputs are not implemented",
                    "functions", "the deprecated functions API is not implemented; send 'tools'",
                    "function_call", "the deprecated functions API is not implemented; send 'tool_choice'",
                    "web_search_options", "this server does not search the web",
                    "reasoning_effort", "the served model does not reason in a separate channel",
                    "verbosity", "the served model has no verbosity setting"));

    /** {@code /tokenize} and {@code /detokenize}, llama-server's fields that this server implements; any other is unknown. */
    static final FieldPolicy TOKENIZE = new FieldPolicy(Set.of("content", "add_special", "with_pieces"), Set.of(), Map.of());

    static final FieldPolicy DETOKENIZE = new FieldPolicy(Set.of("tokens"), Set.of(), Map.of());

    /** @throws ApiError for the first field refused or unknown */
    void check(JsonFields body) {
        for (Iterator<String> names = body.names(); names.hasNext(); ) {
            String name = names.next();
            if (honoured.contains(name) || withoutEffect.contains(name)) {
                continue;
            }
            String why = refused.get(name);
            JsonNode value = body.node(name);
            if (value == null) {
                continue; // null is "not given", as everywhere in these requests
            }
            throw why != null ? ApiError.unsupportedField(name, why) : ApiError.unknownField(name);
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        java.util.HashSet<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
