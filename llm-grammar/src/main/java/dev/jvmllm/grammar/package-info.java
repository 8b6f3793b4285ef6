/**
 * Constrained decoding: {@link dev.jvmllm.grammar.Grammar} compiles GBNF grammars and JSON Schemas
 * into {@link dev.jvmllm.api.OutputConstraint}s whose matchers never let a token through that
 * the grammar does not allow.
 *
 * <h2>JSON Schema</h2>
 * The grammar generates a subset of the values the schema accepts (every generated value
 * validates), never a superset. Keywords:
 * <ul>
 *   <li>{@code type}: each of the seven types, or an array of them (one alternative per type;
 *       the other keywords apply to the types they are about). Without {@code type}, the type is
 *       taken from the keywords present (object, array, string keywords; {@code minimum} and the
 *       like mean integer), or any value when there are none.</li>
 *   <li>{@code properties}, {@code required}: the declared properties in declaration order, the
 *       required ones always, each optional one present or not. {@code additionalProperties}:
 *       with {@code properties}, no other property is ever generated (valid whatever it says);
 *       required names that are not declared get its schema (refused when it is {@code false}).
 *       An object without {@code properties} or {@code required} has any keys, with values of
 *       the {@code additionalProperties} schema (any value when absent or {@code true}; none at
 *       all when {@code false}).</li>
 *   <li>{@code items}, {@code prefixItems} (and the older array form of {@code items} with
 *       {@code additionalItems}), {@code minItems}, {@code maxItems}.</li>
 *   <li>{@code minLength}, {@code maxLength} (in code points), {@code pattern} (see below),
 *       {@code format} {@code date}, {@code time}, {@code date-time}, {@code uuid} (RFC 3339 and
 *       real calendar dates, leap years included). At most one of these three kinds per
 *       schema.</li>
 *   <li>{@code minimum}, {@code maximum}, {@code exclusiveMinimum}, {@code exclusiveMaximum}
 *       (also draft 4's boolean form): for integers only; refused on {@code number}.</li>
 *   <li>{@code enum}, {@code const}: the listed values, written compactly, filtered by
 *       {@code type}.</li>
 *   <li>{@code anyOf}; {@code oneOf} as {@code anyOf} (overlapping alternatives are not
 *       excluded from matching several); {@code allOf} with one subschema, or with object
 *       subschemas of {@code properties} and {@code required} only, merged.</li>
 *   <li>{@code $ref} to any JSON pointer in the document ({@code #/$defs/...},
 *       {@code #/definitions/...}, {@code #}), recursion included; {@code $defs} and
 *       {@code definitions} hold them.</li>
 *   <li>Annotations, accepted and ignored: {@code title}, {@code description}, {@code $schema},
 *       {@code $id}, {@code $comment}, {@code default}, {@code examples}, {@code deprecated},
 *       {@code readOnly}, {@code writeOnly}.</li>
 * </ul>
 * Any other keyword is refused. {@code $ref}, {@code anyOf} and {@code oneOf} take no validation
 * keywords beside them; nor do {@code enum}/{@code const}, other than {@code type}.
 *
 * <p>Numbers have at most 15 integer digits, 15 fraction digits and a two-digit exponent;
 * whitespace between tokens is empty, a space, or a newline and up to 20 spaces or tabs; there
 * is none before or after the value. Both keep a sampled model from looping forever in digits or
 * blanks. Strings have no raw control characters.
 *
 * <p>A {@code pattern} is an ECMA-262 regular expression applied, as JSON Schema says, anywhere
 * in the string: a branch without {@code ^} may have anything before it, one without {@code $}
 * anything after. Literals, escapes, {@code .}, classes, {@code \d \w \s}, groups, {@code |} and
 * quantifiers are supported; lookaround, backreferences and word boundaries are refused.
 */
package dev.jvmllm.grammar;
