package dev.jvmllm.api;

/** What a running generation reports to its {@link GenerationListener}, in this order: tokens, then one end. */
public sealed interface GenerationEvent {

    /**
     * A generated token.
     *
     * @param index 0 for the first generated token
     * @param id the token id
     * @param text the text that became final with this token: possibly empty (an incomplete
     *             character, or text held back because it may begin a stop string), never a
     *             broken character
     * @param logprob how likely the token was, where the request asked
     *                ({@link GenerationRequest#logprobs()}); empty otherwise, and for the
     *                end-of-generation token that carries held-back text
     */
    record Token(int index, int id, String text, java.util.Optional<TokenLogprob> logprob) implements GenerationEvent {
        public Token {
            java.util.Objects.requireNonNull(text, "text");
            java.util.Objects.requireNonNull(logprob, "logprob");
        }

        /** A token without its log-probability. */
        public Token(int index, int id, String text) {
            this(index, id, text, java.util.Optional.empty());
        }
    }

    /** The generation ended normally (any {@link FinishReason}); no event follows. */
    record Finished(GenerationResult result) implements GenerationEvent {
    }

    /** The generation failed; no event follows. */
    record Failed(LlmException error) implements GenerationEvent {
    }
}
