package dev.jvmllm.api;

/**
 * What a generation may produce (a grammar, a JSON Schema), enforced while it is sampled: a
 * token the constraint does not allow is never chosen, so the output always matches it.
 * Immutable and thread-safe; each sequence gets its own {@link TokenMatcher}.
 */
public interface OutputConstraint {

    /**
     * A matcher at the start of a generation's output, for this model's vocabulary.
     *
     * @throws InvalidRequestException if the model's vocabulary cannot express the constraint
     */
    TokenMatcher start(Model model);

    /** What it enforces, for logs and errors (such as {@code json_schema}). */
    String describe();
}
