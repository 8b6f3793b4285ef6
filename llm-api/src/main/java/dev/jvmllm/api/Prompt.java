package dev.jvmllm.api;

import java.util.Objects;

/** What a generation starts from: text to tokenize, or token ids as they are. */
public sealed interface Prompt {

    /** Text, tokenized by the model with its special prefix (BOS) added. */
    record Text(String text) implements Prompt {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /** Token ids used as they are; the caller adds BOS if the model wants it. */
    record Tokens(int[] ids) implements Prompt {
        public Tokens {
            ids = Objects.requireNonNull(ids, "ids").clone();
        }

        @Override
        public int[] ids() {
            return ids.clone();
        }
    }

    static Prompt text(String text) {
        return new Text(text);
    }

    static Prompt tokens(int... ids) {
        return new Tokens(ids);
    }

    /** The prompt's token ids for this model. */
    default int[] tokenize(Model model) {
        return switch (this) {
            case Text t -> model.tokenize(t.text(), true);
            case Tokens t -> t.ids();
        };
    }
}
