package dev.jvmllm.grammar;

import static dev.jvmllm.grammar.Matching.accepts;
import static dev.jvmllm.grammar.Matching.after;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.TokenMatcher;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class MatcherTest {
    private final TestModel model = TestModel.json();

    private int text(String t) {
        int[] ids = model.tokenize(t, false);
        assertThat(ids).hasSize(1);
        return ids[0];
    }

    /** allowedTokens sets exactly the tokens allows() takes. */
    private void assertAgreement(TokenMatcher m) {
        BitSet allowed = new BitSet();
        m.allowedTokens(allowed);
        for (int t = 0; t < model.vocabularySize(); t++) {
            assertThat(m.allows(t)).as("token %d", t).isEqualTo(allowed.get(t));
        }
    }

    @Test
    void byteFallbackTokensCompleteACharacterAcrossTokens() {
        Grammar g = Grammar.gbnf("root ::= \"中\" [a-z]");
        TokenMatcher m = g.start(model);
        assertThat(m.allows(text("中"))).isTrue();
        assertThat(m.allows(0xE4)).isTrue();
        assertThat(m.allows(0xC3)).isFalse();
        assertThat(m.allows(text("é"))).isFalse();
        assertAgreement(m);
        m.accept(0xE4);
        assertThat(m.allows(model.end)).isFalse();
        assertThat(m.allows(0xB8)).isTrue();
        assertThat(m.allows(0xB9)).isFalse();
        assertThat(m.allows('a')).isFalse();
        assertAgreement(m);
        m.accept(0xB8);
        assertThat(m.allows(0xAD)).isTrue();
        assertAgreement(m);
        m.accept(0xAD);
        assertThat(m.allows('a')).isTrue();
        assertThat(m.allows(model.end)).isFalse();
        m.accept('q');
        assertThat(m.isComplete()).isTrue();
        assertThat(m.allows(model.end)).isTrue();
    }

    @Test
    void invalidUtf8IsNeverAllowed() {
        Grammar g = Grammar.gbnf("root ::= [^a]*");
        TokenMatcher m = g.start(model);
        assertThat(m.allows(0x80)).as("a lone continuation byte").isFalse();
        assertThat(m.allows(0xC0)).as("an overlong lead").isFalse();
        assertThat(m.allows(0xF5)).as("beyond U+10FFFF").isFalse();
        assertThat(m.allows(0xFF)).isFalse();
        assertThat(m.allows(0xC3)).isTrue();
        assertAgreement(m);
        m.accept(0xE0);
        assertThat(m.allows(0x9F)).as("overlong three-byte form").isFalse();
        assertThat(m.allows(0xA0)).isTrue();
        m = g.start(model);
        m.accept(0xED);
        assertThat(m.allows(0xA0)).as("a surrogate").isFalse();
        assertThat(m.allows(0x9F)).isTrue();
        m = g.start(model);
        m.accept(0xF4);
        assertThat(m.allows(0x90)).as("beyond U+10FFFF").isFalse();
        assertThat(m.allows(0x8F)).isTrue();
        assertAgreement(m);
        assertThat(accepts(g, model, "é中😀\u0000")).isTrue();
    }

    @Test
    void partialCharactersAreCheckedAgainstTheRangesTheyCanStillReach() {
        // U+00E9 is C3 A9; U+00C0..U+00FF all begin with C3, and so does nothing else from 'ê' up.
        Grammar g = Grammar.gbnf("root ::= [é-ë] | [\\u0100-\\u0101]");
        TokenMatcher m = g.start(model);
        assertThat(m.allows(0xC3)).isTrue();
        assertThat(m.allows(0xC4)).isTrue();
        assertThat(m.allows(0xC5)).isFalse();
        m.accept(0xC3);
        assertThat(m.allows(0xA8)).isFalse();
        assertThat(m.allows(0xA9)).isTrue();
        assertThat(m.allows(0xAB)).isTrue();
        assertThat(m.allows(0xAC)).isFalse();
        assertAgreement(m);
    }

    @Test
    void endOfGenerationOnlyWhereTheOutputMayEnd() {
        Grammar g = Grammar.gbnf("root ::= \"a\"+");
        TokenMatcher m = g.start(model);
        assertThat(m.allows(model.end)).isFalse();
        assertThat(m.allows(model.control)).isFalse();
        m.accept('a');
        assertThat(m.allows(model.end)).isTrue();
        assertThat(m.isComplete()).isFalse();
        assertThat(m.allows(model.control)).isFalse();
        assertAgreement(m);
        m.accept(model.end);
        assertThat(m.isComplete()).isTrue();
        assertThat(m.allows('a')).isFalse();
        assertThat(m.allows(model.end)).isFalse();
        BitSet none = new BitSet();
        m.allowedTokens(none);
        assertThat(none.isEmpty()).isTrue();
        TokenMatcher ended = m;
        assertThatThrownBy(() -> ended.accept('a')).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void refusesTokensItDoesNotAllow() {
        TokenMatcher m = Grammar.gbnf("root ::= \"ab\"").start(model);
        assertThatThrownBy(() -> m.accept('b')).isInstanceOf(IllegalStateException.class)
                .hasMessage("token 98 is not allowed by the grammar here");
        assertThatThrownBy(() -> m.accept(model.control)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> m.accept(model.end)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> m.accept(-1)).isInstanceOf(IllegalStateException.class);
        assertThat(m.allows(-1)).isFalse();
        assertThat(m.allows(model.vocabularySize())).isFalse();
        m.accept(text("ab"));
        assertThat(m.isComplete()).isTrue();
        assertThat(m.allows(model.end)).isTrue();
    }

    @Test
    void emptyGrammarIsCompleteAtOnce() {
        TokenMatcher m = Grammar.gbnf("root ::= \"\" | e\ne ::= ").start(model);
        assertThat(m.isComplete()).isTrue();
        assertThat(m.allows(model.end)).isTrue();
        assertThat(m.allows('a')).isFalse();
    }

    @Test
    void multiCharacterTokensMayCrossRuleBoundaries() {
        Grammar g = Grammar.gbnf("root ::= \"{\" key \":\" \" \"? \"\\\"\" [a-z]* \"\\\"}\"\nkey ::= \"\\\"\" [a-z]+ \"\\\"\"");
        TokenMatcher m = after(g, model, "{\"name");
        assertThat(m.allows(text("\": \""))).isTrue();
        assertThat(m.allows(text("\", \""))).isFalse();
        assertAgreement(m);
        m.accept(text("\": \""));
        assertThat(m.allows(text("abc"))).isTrue();
        assertThat(m.allows(text("\"}"))).isTrue();
        m.accept(text("\"}"));
        assertThat(m.isComplete()).isTrue();
    }

    @Test
    void allowedTokensAgreeWithAllowsAlongAText() {
        Grammar g = Grammar.anyJson();
        String json = "{\"name\": [12, -0.5e+3, true, null, \"a\\u00e9中\\\"\"], \"b\": {}}";
        TokenMatcher m = g.start(model);
        for (int t : model.tokenize(json, false)) {
            assertAgreement(m);
            m.accept(t);
        }
        assertThat(m.isComplete()).isTrue();
        // A second pass finds the allowed sets remembered; they must be the same.
        m = g.start(model);
        for (int t : model.bytesOf(json)) {
            assertAgreement(m);
            m.accept(t);
        }
    }

    @Test
    void refusesAVocabularyThatCannotBeginTheOutput() {
        TestModel words = new TestModel(List.of("a", "b"), false);
        assertThatThrownBy(() -> Grammar.gbnf("root ::= \"c\" | \"d\" \"a\"").start(words))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("gbnf: no token of the model's vocabulary can begin the output");
        TokenMatcher m = Grammar.gbnf("root ::= \"a\" \"c\"?").start(words);
        m.accept(0);
        assertThat(m.allows(words.end)).isTrue();
    }

    @Test
    void tooAmbiguousGrammarsFailInsteadOfHanging() {
        Grammar g = Grammar.gbnf("root ::= x\nx ::= \"a\" x \"b\" | \"a\" x \"c\" | \"\"");
        TokenMatcher m = g.start(model);
        assertThatThrownBy(() -> {
            for (int i = 0; i < 20; i++) {
                m.accept('a');
            }
        }).isInstanceOf(InvalidRequestException.class).hasMessageStartingWith("grammar: too ambiguous to run");
    }

    @Test
    void longCountedRepetitionsOutgrowTheStateCache() {
        // Each count is a state of its own: more than one cache generation holds.
        Grammar g = Grammar.gbnf("root ::= [a-c]{0,20000} \"!\"");
        TokenMatcher m = g.start(model);
        for (int i = 0; i < Recognizer.MAX_STATES + 2000; i++) {
            m.accept('a' + i % 3);
        }
        assertAgreement(m);
        m.accept('!');
        assertThat(m.isComplete()).isTrue();
        assertThat(accepts(g, model, "b".repeat(20000) + "!")).isTrue();
        assertThat(accepts(g, model, "b".repeat(20001) + "!")).isFalse();
    }

    @Test
    void oneGrammarServesMatchersOnSeveralThreads() throws Exception {
        Grammar g = Grammar.jsonSchema(JsonSchemaTest.schema("{'type': 'array', 'items': {'type': 'object', 'properties':"
                + " {'k': {'type': 'string', 'maxLength': 5}, 'n': {'type': 'integer'}}, 'required': ['k']}}"));
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> walks = new ArrayList<>();
            for (int thread = 0; thread < 4; thread++) {
                long seed = thread;
                walks.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    for (int walk = 0; walk < 10; walk++) {
                        TokenMatcher m = g.start(model);
                        for (int step = 0; step < 60 && !m.isComplete(); step++) {
                            assertAgreement(m);
                            BitSet allowed = new BitSet();
                            m.allowedTokens(allowed);
                            int[] ids = allowed.stream().toArray();
                            m.accept(ids[random.nextInt(ids.length)]);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> walk : walks) {
                walk.get();
            }
        }
    }
}
