package dev.jvmllm.grammar;

import static dev.jvmllm.grammar.Matching.accepts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvmllm.api.InvalidRequestException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GbnfTest {
    private final TestModel model = TestModel.json();

    private void check(String grammar, String[] accepted, String[] rejected) {
        Grammar g = Grammar.gbnf(grammar);
        for (String text : accepted) {
            assertThat(accepts(g, model, text)).as("%s accepts %s", grammar, text).isTrue();
        }
        for (String text : rejected) {
            assertThat(accepts(g, model, text)).as("%s rejects %s", grammar, text).isFalse();
        }
        // What it prints reads back to the same grammar.
        assertThat(Grammar.gbnf(g.toGbnf()).toGbnf()).isEqualTo(g.toGbnf());
    }

    private static String[] of(String... texts) {
        return texts;
    }

    @Test
    void literalsAndEscapes() {
        check("root ::= \"hello\"", of("hello"), of("", "hell", "hello!", "Hello"));
        check("root ::= \"a\\nb\\t\\\"\\\\\" \"\\x41\\u00e9\\U0001F600\"", of("a\nb\t\"\\Aé😀"), of("a\nb\t\"\\Ae😀"));
        check("root ::= \"\"", of(""), of("a"));
        check("root ::= \"中文\"", of("中文"), of("中", "文"));
    }

    @Test
    void characterClasses() {
        check("root ::= [a-z0-9_]", of("a", "z", "5", "_"), of("A", "-", "", "ab"));
        check("root ::= [^\"\\\\]", of("a", "中", "'"), of("\"", "\\", ""));
        check("root ::= [\\x00-\\x1F\\]\\-]", of("\n", "]", "-"), of("a", "\\"));
        check("root ::= [一-龥]+", of("中文", "中"), of("é", "a"));
        check("root ::= .", of("a", "é", "中", "😀", "\n"), of("", "ab"));
        check("root ::= [^]", of("x"), of(""));
        check("root ::= [a-]", of("a", "-"), of("b"));
    }

    @Test
    void alternativesGroupsAndRepetitions() {
        check("root ::= \"a\" | \"b\" \"c\" | ", of("a", "bc", ""), of("b", "c", "ac"));
        check("root ::= (\"a\" | \"b\")* \"c\"", of("c", "abbac"), of("", "ab", "cc"));
        check("root ::= [0-9]+", of("1", "123"), of(""));
        check("root ::= \"x\"? \"y\"", of("y", "xy"), of("xxy", "x"));
        check("root ::= [ab]{3}", of("aba"), of("ab", "abab"));
        check("root ::= \"ab\"{2,}", of("abab", "ababab"), of("ab", "aba"));
        check("root ::= (\"a\" | \"bc\"){1,3}", of("a", "bca", "abca"), of("", "aaaa"));
        check("root ::= \"a\"{,2} \"b\"", of("b", "ab", "aab"), of("aaab"));
        check("root ::= \"a\"{0} \"b\"", of("b"), of("ab"));
        check("root ::= (\"x\" \"y\"?){2}", of("xx", "xyx", "xyxy"), of("x", "yxy"));
    }

    @Test
    void rulesRecursionAndLayout() {
        String grammar = """
                # balanced parentheses, then digits
                root ::= parens digits   # a trailing comment
                parens ::= "(" parens ")" parens
                  | ""
                digits ::= (
                    [0-9]
                    [0-9]?
                  )?
                """;
        check(grammar, of("", "()", "(())()", "()7", "42"), of("(", "())", "123"));
        check("root ::= a |\n  b\na ::= \"a\"\nb ::= \"b\"", of("a", "b"), of("ab"));
    }

    @Test
    void emptyMatchingRules() {
        check("root ::= a b a\na ::= \"x\"?\nb ::= \"y\"* e\ne ::= \"\" | e2\ne2 ::= ", of("", "x", "xyyx", "yy", "yx"),
                of("xxx", "xyxy"));
    }

    @Test
    void llamaCppJsonGrammar() {
        String json = """
                root   ::= object
                value  ::= object | array | string | number | ("true" | "false" | "null") ws

                object ::=
                  "{" ws (
                            string ":" ws value
                    ("," ws string ":" ws value)*
                  )? "}" ws

                array  ::=
                  "[" ws (
                            value
                    ("," ws value)*
                  )? "]" ws

                string ::=
                  "\\"" (
                    [^"\\\\\\x7F\\x00-\\x1F] |
                    "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
                  )* "\\"" ws

                number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws

                ws ::= | " " | "\\n" [ \\t]{0,20}
                """;
        check(json, of("{}", "{\"a\": [1, 2.5, true, null, \"x\\u00e9\"], \"b\": {\"c\": \"中\"}}", "{\"name\": \"é\"} "),
                of("[]", "{\"a\" 1}", "{'a': 1}", "{\"a\": tru}"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            `root ::= value`                          | grammar: line 1, column 10: undefined rule 'value'
            `root ::= "a"\\nx ::= "b" y`              | grammar: line 2, column 11: undefined rule 'y'
            `start ::= "a"`                           | grammar: no rule named 'root' (the rule the whole output must match)
            `# nothing`                               | grammar: no rule named 'root' (the rule the whole output must match)
            `root = "a"`                              | grammar: line 1, column 6: expected '::=' after the rule name 'root', found '='
            `::= "a"`                                 | grammar: line 1, column 1: expected a rule name, found ':'
            `root ::= "abc`                           | grammar: line 1, column 10: unterminated string literal
            `root ::= [abc`                           | grammar: line 1, column 10: unterminated character class
            `root ::= ("a" | "b"`                     | grammar: line 1, column 20: expected ')' to close the '(' at line 1, column 10, found the end of the grammar
            `root ::= "a")`                           | grammar: line 1, column 13: unexpected ')'
            `root ::= "\\q"`                          | grammar: line 1, column 11: unknown escape '\\q'
            `root ::= "\\x4"`                         | grammar: line 1, column 11: escape needs 2 hex digits
            `root ::= [z-a]`                          | grammar: line 1, column 12: character range is backwards
            `root ::= "a"{3,2}`                       | grammar: line 1, column 13: repetition {3,2} has its maximum below its minimum
            `root ::= "a"{200000}`                    | grammar: line 1, column 13: repetition count 200000 is above the limit 100000
            `root ::= "a"{x}`                         | grammar: line 1, column 14: expected a number in the repetition, found 'x'
            `root ::= "\\`                           | grammar: line 1, column 11: unfinished escape
            `root ::= [\\U00110000]`                 | grammar: line 1, column 11: escape is beyond the last code point U+10FFFF
            `root ::= "a"{2`                          | grammar: line 1, column 15: expected '}' to close the repetition, found the end of the grammar
            `root ::= * "a"`                          | grammar: line 1, column 10: '*' has nothing before it to repeat
            `root ::= <think>`                        | grammar: line 1, column 10: token references ('<...>') are not supported
            `root ::= "a" b ::= "b"`                  | grammar: line 1, column 14: rule 'b' must start on a new line
            `root ::= "a"\\nroot ::= "b"`             | grammar: line 2, column 1: rule 'root' is defined twice (first at line 1, column 1)
            `root ::= expr\\nexpr ::= expr "+" "1" | "1"` | grammar: line 2, column 1: rule 'expr' is left-recursive (it can reach itself before matching any character)
            `root ::= a "x"\\na ::= "" | root`        | grammar: line 1, column 1: rule 'root' is left-recursive (it can reach itself before matching any character)
            `root ::= ("a"?)*`                        | grammar: line 1, column 1: rule 'root' repeats with '*' or '+' something that can match the empty string
            `root ::= "a" loop\\nloop ::= "b" loop`   | grammar: line 2, column 1: rule 'loop' can never finish: every way through it needs itself again or an empty character class
            `root ::= "a" | "b" x\\nx ::= "c" x`      | grammar: line 2, column 1: rule 'x' can never finish: every way through it needs itself again or an empty character class
            `root ::= "b" []`                         | grammar: line 1, column 1: rule 'root' can never finish: every way through it needs itself again or an empty character class
            """)
    void errors(String grammar, String message) {
        String text = grammar.replace("\\n", "\n");
        assertThatThrownBy(() -> Grammar.gbnf(text)).isInstanceOf(InvalidRequestException.class).hasMessage(message);
    }

    @Test
    void refusesGrammarsTooLargeOnceExpanded() {
        StringBuilder text = new StringBuilder("root ::= r0\n");
        for (int i = 0; i < 41; i++) {
            text.append("r").append(i).append(" ::= [a-z]{100000}").append(i < 40 ? " r" + (i + 1) : "").append('\n');
        }
        assertThatThrownBy(() -> Grammar.gbnf(text.toString())).isInstanceOf(InvalidRequestException.class)
                .hasMessage("grammar: line 41, column 1: the grammar is too large (over 4000000 elements once repetitions are expanded)");
    }

    @Test
    void printsRulesAsGbnf() {
        Grammar g = Grammar.gbnf("root ::= item (\",\" item)*\nitem ::= [a-z]+ | \"\\\"\" [^\"]{2,5} \"\\\"\"");
        assertThat(g.toGbnf()).isEqualTo("""
                root ::= item ("," item)*
                item ::= [a-z]+ | "\\"" [^"]{2,5} "\\""
                """);
        assertThat(g.describe()).isEqualTo("gbnf");
    }

    @Test
    void wrapsWithLiterals() {
        Grammar inner = Grammar.gbnf("root ::= \"x\" root | \"y\"");
        Grammar g = inner.wrap("<tool_call>\n", "\n</tool_call>");
        assertThat(accepts(g, model, "<tool_call>\nxxy\n</tool_call>")).isTrue();
        assertThat(accepts(g, model, "xxy")).isFalse();
        assertThat(accepts(inner, model, "xxy")).isTrue();
        assertThat(g.describe()).isEqualTo("gbnf between \"<tool_call>\\n\" and \"\\n</tool_call>\"");
        assertThat(g.toGbnf()).isEqualTo("""
                root ::= "<tool_call>\\n" root-2 "\\n</tool_call>"
                root-2 ::= "x" root-2 | "y"
                """);
        assertThat(accepts(Grammar.gbnf(g.toGbnf()), model, "<tool_call>\ny\n</tool_call>")).isTrue();
    }
}
