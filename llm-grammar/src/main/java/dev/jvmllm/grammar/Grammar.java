package dev.jvmllm.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.OutputConstraint;
import dev.jvmllm.api.TokenMatcher;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;

/**
 * A compiled grammar that constrains decoding: a GBNF grammar, a JSON Schema, or any JSON. Its
 * matchers allow exactly the tokens whose bytes keep the output a prefix of some string of the
 * grammar, end-of-generation tokens where the output may end, and never a token without bytes.
 *
 * <p>Immutable and thread-safe. Reuse one instance for the same grammar where you can: it keeps,
 * per model, the allowed-token sets of recent states and the recognizer's transition cache, so
 * later requests find them already computed. The first {@link #start} for a model indexes its
 * vocabulary (shared by all grammars; a fraction of a second for 262,144 tokens): call it before
 * the generation reaches the thread that runs the model.
 *
 * <p>Matchers throw only {@link IllegalStateException} (a token that is not allowed) and
 * {@link InvalidRequestException} (a grammar so ambiguous that more than
 * 4,096 parses of the output so far are alive at once).
 *
 * <pre>{@code
 * Grammar g = Grammar.jsonSchema(schema).wrap("<tool_call>\n", "\n</tool_call>");
 * TokenMatcher m = g.start(model);
 * }</pre>
 */
public final class Grammar implements OutputConstraint {
    private final Rules rules;
    private final String description;
    private final Recognizer recognizer;
    private final Map<Model, TokenSets> perModel = new WeakHashMap<>();

    private Grammar(Built built, String description) {
        this.rules = built.rules();
        this.description = description;
        this.recognizer = new Recognizer(built.compiled());
    }

    /**
     * A grammar in llama.cpp's GBNF: rules {@code name ::= ...}, started at {@code root}; string
     * literals and character classes with the escapes {@code \n \t \r \\ \" \xHH \UHHHHHHHH}
     * (and a backslash, {@code u} and four hex digits), {@code .}, groups, {@code |},
     * {@code * + ? {m} {m,} {m,n} {,n}}, {@code #} comments, newlines inside parentheses and
     * after {@code |}.
     *
     * @throws InvalidRequestException naming the line and column, for a syntax error, an undefined
     *                                 rule, no {@code root}, a left-recursive rule, or a rule
     *                                 that can never finish
     */
    public static Grammar gbnf(String text) {
        Objects.requireNonNull(text, "text");
        return new Grammar(GbnfParser.parse(text), "gbnf");
    }

    /**
     * The JSON values a JSON Schema accepts (a subset of them where the schema allows more than
     * a grammar can say: see the package documentation for each keyword), without whitespace
     * around the value and with at most one newline and 20 indentation characters between tokens.
     *
     * @throws InvalidRequestException for an unsupported keyword or format, naming it and where
     *                                 it is, or for a schema no value satisfies
     */
    public static Grammar jsonSchema(JsonNode schema) {
        Objects.requireNonNull(schema, "schema");
        return new Grammar(JsonSchemaCompiler.compile(schema), "json_schema");
    }

    /** Any JSON object: OpenAI's {@code response_format: {"type": "json_object"}}. */
    public static Grammar anyJsonObject() {
        return new Grammar(JsonSchemaCompiler.anyObject(), "json_object");
    }

    /** Any JSON value. */
    public static Grammar anyJson() {
        return new Grammar(JsonSchemaCompiler.anyValue(), "json");
    }

    /**
     * This grammar between two literals: for tool calls such as
     * {@code <tool_call>\n{...}\n</tool_call>}.
     */
    public Grammar wrap(String prefix, String suffix) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(suffix, "suffix");
        Rules wrapped = rules.wrap(prefix, suffix);
        return new Grammar(new Built(wrapped, Compiler.compile(wrapped)), description + " between "
                + Expr.print(Expr.lit(prefix)) + " and " + Expr.print(Expr.lit(suffix)));
    }

    /** The grammar as GBNF text, which {@link #gbnf} reads back to the same grammar. */
    public String toGbnf() {
        return rules.toGbnf();
    }

    @Override
    public String describe() {
        return description;
    }

    /**
     * A matcher at the start of the output.
     *
     * @throws InvalidRequestException if no token of the model's vocabulary can begin the output
     */
    @Override
    public TokenMatcher start(Model model) {
        Objects.requireNonNull(model, "model");
        TokenSets sets;
        synchronized (perModel) {
            sets = perModel.get(model);
        }
        if (sets == null) {
            TokenSets built = new TokenSets(Vocabulary.of(model), recognizer);
            synchronized (perModel) {
                sets = perModel.computeIfAbsent(model, m -> built);
            }
        }
        State initial = recognizer.initial();
        if (!initial.canEnd() && sets.allowed(initial).isEmpty()) {
            throw new InvalidRequestException(description + ": no token of the model's vocabulary can begin the output");
        }
        return new GrammarMatcher(recognizer, sets);
    }

    @Override
    public String toString() {
        return description;
    }
}
