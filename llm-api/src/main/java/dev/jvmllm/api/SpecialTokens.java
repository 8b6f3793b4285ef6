package dev.jvmllm.api;

/**
 * The model's special token ids; {@link #NONE} where the model has no such token.
 *
 * @param bos beginning of sequence, added in front of a prompt when the model asks for it
 * @param eos end of sequence
 */
public record SpecialTokens(int bos, int eos) {
    /** Marks a special token the model does not have. */
    public static final int NONE = -1;
}
