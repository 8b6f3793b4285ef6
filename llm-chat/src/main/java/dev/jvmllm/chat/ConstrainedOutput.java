package dev.jvmllm.chat;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/**
 * What the output must be: exactly {@code prefix}, then one JSON value that matches
 * {@code schema}, then exactly {@code suffix} (then the generation may end). Data for the
 * grammar module to compile, such as {@code Grammar.jsonSchema(schema).wrap(prefix, suffix)}.
 *
 * <p>The schema uses only {@code type}, {@code properties}, {@code required},
 * {@code additionalProperties: false}, {@code items}, {@code minItems}, {@code maxItems},
 * {@code enum}, {@code const}, {@code anyOf} and {@code $ref} into {@code $defs}, around the
 * tools' own parameter schemas and the response schema, which are embedded as the request gave
 * them (their {@code $defs} moved to the root and their {@code $ref}s rewritten to match).
 *
 * @param prefix text before the JSON value; can hold control tokens' text (such as
 *               {@code [TOOL_CALLS]}), which the grammar must let the model produce
 */
public record ConstrainedOutput(String prefix, JsonNode schema, String suffix) {
    public ConstrainedOutput {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(suffix, "suffix");
    }
}
