package dev.jvmllm.grammar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvmllm.api.TokenMatcher;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Prints how long {@code allowedTokens} takes on a synthetic 50,000-token vocabulary at a few
 * states. Prints only: wall-clock numbers are too noisy here to assert on.
 */
class AllowedTokensTimingTest {
    private static final int VOCABULARY = 50_000;

    /** Words with and without a leading space, numbers, punctuation, blanks, and some CJK and accents. */
    static List<String> syntheticVocabulary(long seed) {
        Random r = new Random(seed);
        Set<String> out = new LinkedHashSet<>();
        String[] punctuation = {"{\"", "\":", "\": \"", "\",", "\", \"", "\"}", "\"]", "},", "}]", "]}", "\":[", "\": [", "\": {",
            ".", ",", ":", ";", "!", "?", "(", ")", "[", "]", "{", "}", "\"", "'", "-", "_", "/", "\\", "\\n", "\\\"", ". ", ", ",
            "...", " -", " (", " \"", "='", "<", ">", "</", "/>", "#", "*", "**", "+", "=", "==", "!="};
        for (String p : punctuation) {
            out.add(p);
        }
        for (int n = 1; n <= 16; n++) {
            out.add(" ".repeat(n));
            out.add("\n" + " ".repeat(n - 1));
            out.add("\t".repeat(Math.min(n, 4)));
        }
        for (int i = 0; i < 1000; i++) {
            out.add(Integer.toString(i));
            out.add(" " + i);
        }
        String[] onsets = {"", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "st", "tr",
            "ch", "sh", "th", "pl", "gr", "br", "cl"};
        String[] vowels = {"a", "e", "i", "o", "u", "ea", "ou", "io", "ai", "y"};
        String[] codas = {"", "n", "r", "s", "t", "l", "m", "nd", "ng", "st", "ck", "rt"};
        while (out.size() < VOCABULARY) {
            int kind = r.nextInt(100);
            if (kind < 4) {
                StringBuilder cjk = new StringBuilder();
                for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
                    cjk.appendCodePoint(0x4E00 + r.nextInt(0x5200));
                }
                out.add(cjk.toString());
                continue;
            }
            StringBuilder w = new StringBuilder();
            for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
                w.append(onsets[r.nextInt(onsets.length)]).append(vowels[r.nextInt(vowels.length)]).append(codas[r.nextInt(codas.length)]);
            }
            String word = w.toString();
            if (kind < 8) {
                word = word.replace('e', 'é');
            }
            if (kind % 5 == 0) {
                word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
            }
            if (kind < 60) {
                word = " " + word;
            }
            if (kind >= 95) {
                word = word + punctuation[r.nextInt(punctuation.length)];
            }
            if (word.getBytes(StandardCharsets.UTF_8).length <= 12) {
                out.add(word);
            }
        }
        return new ArrayList<>(out).subList(0, VOCABULARY - 256 - 2);
    }

    @Test
    void printsTimings() {
        List<String> words = syntheticVocabulary(42);
        long t0 = System.nanoTime();
        TestModel first = new TestModel(words);
        Grammar grammar = Grammar.jsonSchema(JsonSchemaTest.schema("{'type': 'object', 'properties': {'name': {'type': 'string'},"
                + " 'age': {'type': 'integer'}, 'tags': {'type': 'array', 'items': {'type': 'string'}}}, 'required': ['name', 'age']}"));
        grammar.start(first);
        System.out.printf("vocabulary of %d tokens: index built in %.1f ms%n", first.vocabularySize(), (System.nanoTime() - t0) / 1e6);

        String[][] states = {
            {"start of object", ""},
            {"after a key", "{\"name\""},
            {"at a value", "{\"name\": "},
            {"inside a string", "{\"name\": \"Tho"},
            {"inside a number", "{\"name\": \"x\", \"age\": 4"},
            {"after a value", "{\"name\": \"x\", \"age\": 42"},
        };
        // The same vocabulary as other models: their allowed sets are not remembered yet, but the
        // grammar's transitions are, which is the usual case once a grammar has served a request.
        List<TestModel> others = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            others.add(new TestModel(words));
        }
        for (String[] state : states) {
            TokenMatcher m = matcherAfter(grammar, first, state[1]);
            BitSet allowed = new BitSet();
            long cold = time(() -> m.allowedTokens(allowed));
            long remembered = time(() -> m.allowedTokens(new BitSet()));
            long walk = Long.MAX_VALUE;
            for (TestModel other : others) {
                TokenMatcher o = matcherAfter(grammar, other, state[1]);
                BitSet again = new BitSet();
                walk = Math.min(walk, time(() -> o.allowedTokens(again)));
                assertThat(again).isEqualTo(allowed);
            }
            long allowsTotal = time(() -> {
                for (int t = 0; t < first.vocabularySize(); t++) {
                    m.allows(t);
                }
            });
            System.out.printf("%-16s %6d allowed: first %7.2f ms, walk with cached transitions %6.2f ms,"
                            + " remembered %6.3f ms; allows() %4.0f ns a token%n", state[0], allowed.cardinality(),
                    cold / 1e6, walk / 1e6, remembered / 1e6, (double) allowsTotal / first.vocabularySize());
        }
    }

    private static TokenMatcher matcherAfter(Grammar grammar, TestModel model, String text) {
        TokenMatcher m = grammar.start(model);
        for (int t : model.bytesOf(text)) {
            m.accept(t);
        }
        return m;
    }

    private static long time(Runnable r) {
        long start = System.nanoTime();
        r.run();
        return System.nanoTime() - start;
    }
}
