package dev.jvmllm.grammar;

import dev.jvmllm.api.TokenMatcher;
import java.util.BitSet;

/** Where one sequence stands in a {@link Grammar}. Used by one thread. */
final class GrammarMatcher implements TokenMatcher {
    private final Recognizer recognizer;
    private final TokenSets tokenSets;
    private final Vocabulary vocabulary;
    private State state;
    /** An end-of-generation token was accepted: nothing more may come. */
    private boolean ended;

    GrammarMatcher(Recognizer recognizer, TokenSets tokenSets) {
        this.recognizer = recognizer;
        this.tokenSets = tokenSets;
        this.vocabulary = tokenSets.vocabulary;
        this.state = recognizer.initial();
    }

    @Override
    public boolean allows(int token) {
        if (ended || token < 0 || token >= vocabulary.size) {
            return false;
        }
        State s = current();
        if (vocabulary.ends.get(token)) {
            return s.canEnd();
        }
        return after(s, token) != State.DEAD;
    }

    @Override
    public void allowedTokens(BitSet allowed) {
        if (ended) {
            return;
        }
        State s = current();
        if (s.canEnd()) {
            allowed.or(vocabulary.ends);
        }
        allowed.or(tokenSets.allowed(s));
    }

    @Override
    public void accept(int token) {
        if (!ended && token >= 0 && token < vocabulary.size) {
            State s = current();
            if (vocabulary.ends.get(token)) {
                if (s.canEnd()) {
                    ended = true;
                    return;
                }
            } else {
                State next = after(s, token);
                if (next != State.DEAD) {
                    state = next;
                    return;
                }
            }
        }
        throw new IllegalStateException("token " + token + " is not allowed by the grammar here");
    }

    @Override
    public boolean isComplete() {
        return ended || state.isComplete();
    }

    /** The state after a token's bytes; DEAD for tokens without bytes. */
    private State after(State s, int token) {
        byte[] bytes = vocabulary.bytes(token);
        if (bytes.length == 0) {
            return State.DEAD;
        }
        for (byte b : bytes) {
            s = recognizer.step(s, b & 0xFF);
            if (s == State.DEAD) {
                return s;
            }
        }
        return s;
    }

    private State current() {
        state = recognizer.refresh(state);
        return state;
    }
}
