package dev.jvmllm.chat.internal;

import java.util.concurrent.ThreadLocalRandom;

/** Ids for the calls read from an output. */
final class CallIds {
    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private CallIds() {
    }

    /** As OpenAI makes them: {@code call_} and 24 letters or digits. */
    static String openAi() {
        return "call_" + random(24);
    }

    /** As Mistral's templates demand them: 9 letters or digits (they raise on any other id). */
    static String mistral() {
        return random(9);
    }

    private static String random(int length) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] id = new char[length];
        for (int i = 0; i < length; i++) {
            id[i] = ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length()));
        }
        return new String(id);
    }
}
