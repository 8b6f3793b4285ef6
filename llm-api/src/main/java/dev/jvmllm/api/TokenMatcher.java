package dev.jvmllm.api;

import java.util.BitSet;

/**
 * Where one sequence stands in an {@link OutputConstraint}: which tokens may come next. Stateful,
 * used by one thread. End-of-generation tokens are allowed exactly when the output may end at
 * this point; tokens without text never are.
 */
public interface TokenMatcher {

    /** Whether this token may come next. Cheap: the sampler asks it for every token it draws. */
    boolean allows(int token);

    /**
     * Sets, in {@code allowed}, the bit of every token that may come next (the others are left
     * as they are: pass a cleared set). Costlier than {@link #allows}: asked only when the token
     * drawn without the constraint was refused.
     */
    void allowedTokens(BitSet allowed);

    /**
     * Moves past a token that {@link #allows} accepted.
     *
     * @throws IllegalStateException if the token is not allowed
     */
    void accept(int token);

    /** True when the output is whole and nothing but its end may follow. */
    boolean isComplete();
}
