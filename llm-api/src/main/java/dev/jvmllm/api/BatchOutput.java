package dev.jvmllm.api;

/**
 * The result of one {@link BatchProcessor#process} call: one logit row for each input token that
 * asked for logits, in input order. Rows are views of the backend's memory: valid until the
 * processor's next call, and read without copying by {@link Logits#argmax()}.
 */
public interface BatchOutput {

    /** How many rows there are: the number of input tokens with {@code wantLogits}. */
    int rows();

    /** The row of the {@code row}-th token that asked for logits. */
    Logits row(int row);
}
