package dev.jvmllm.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.chat.ConstrainedOutput;
import dev.jvmllm.grammar.Grammar;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The request fields that constrain an output, compiled before anything is submitted: a grammar
 * or schema the compiler refuses is a 400 naming the field, with the compiler's message (which
 * names the keyword or the grammar's line and column). Compiled grammars are kept, the
 * {@value #CACHED} used last: a {@link Grammar} remembers the states it has been through and the
 * tokens each allows, so clients that send the same schema again and again (as structured-output
 * clients do) find that work done.
 */
final class Constraints {
    static final int CACHED = 64;

    private static final Map<String, Grammar> COMPILED = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Grammar> eldest) {
            return size() > CACHED;
        }
    };

    private Constraints() {
    }

    /** A GBNF grammar ({@code /generate}'s {@code grammar}). */
    static Grammar gbnf(String field, String text) {
        return cached(field, "gbnf\n" + text, () -> Grammar.gbnf(text));
    }

    /** A JSON Schema, which must be an object or a boolean. */
    static Grammar jsonSchema(String field, JsonNode schema) {
        if (!schema.isObject() && !schema.isBoolean()) {
            throw ApiError.wrongType(field, "a JSON Schema (an object or a boolean)");
        }
        return cached(field, "schema\n" + schema, () -> Grammar.jsonSchema(schema));
    }

    /** What a chat's tool choice demands of the output: its schema between its literal prefix and suffix. */
    static Grammar toolCalls(ConstrainedOutput output) {
        return cached("tools", "tools\n" + output.prefix() + "\n" + output.suffix() + "\n" + output.schema(),
                () -> Grammar.jsonSchema(output.schema()).wrap(output.prefix(), output.suffix()));
    }

    private static Grammar cached(String field, String key, Supplier<Grammar> compile) {
        synchronized (COMPILED) {
            Grammar known = COMPILED.get(key);
            if (known != null) {
                return known;
            }
        }
        Grammar compiled;
        try {
            compiled = compile.get();
        } catch (InvalidRequestException e) {
            throw ApiError.invalidValue(field, e.getMessage());
        }
        synchronized (COMPILED) {
            COMPILED.putIfAbsent(key, compiled);
            return COMPILED.get(key);
        }
    }
}
