package dev.jvmllm.grammar;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.jvmllm.api.InvalidRequestException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a JSON Schema into {@link Rules} whose strings are JSON values the schema accepts.
 * What each keyword does is documented in {@code package-info.java}; any keyword not listed
 * there is refused, naming it and its place as a JSON pointer.
 */
final class JsonSchemaCompiler {
    /**
     * The building blocks, in GBNF. Whitespace between tokens is bounded (one newline and 20
     * indentation characters at most), so that a small model cannot loop on it; numbers have at
     * most 15 integer and 15 fraction digits for the same reason. Time offsets stay below 18
     * hours, as validators built on {@code java.time} require.
     */
    private static final String COMMON = """
            ws ::= | " " | "\\n" [ \\t]{0,20}
            value ::= object | array | string | number | boolean | null
            object ::= "{" ws ( string ws ":" ws value ( ws "," ws string ws ":" ws value )* ws )? "}"
            array ::= "[" ws ( value ( ws "," ws value )* ws )? "]"
            string ::= "\\"" char* "\\""
            char ::= [^"\\\\\\x00-\\x1F\\x7F] | "\\\\" ( ["\\\\/bfnrt] | "u" [0-9a-fA-F]{4} )
            number ::= integer ( "." [0-9]{1,15} )? ( [eE] [-+]? [0-9]{1,2} )?
            integer ::= "-"? ( "0" | [1-9] [0-9]{0,14} )
            boolean ::= "true" | "false"
            null ::= "null"
            date ::= year "-" ( month31 "-" day31 | month30 "-" day30 | "02-" day28 ) | leap-year "-02-29"
            year ::= [0-9]{4}
            leap-year ::= [0-9]{2} ( "0" [48] | [2468] [048] | [13579] [26] ) | ( "0" [048] | [2468] [048] | [13579] [26] ) "00"
            month31 ::= "0" [13578] | "1" [02]
            month30 ::= "0" [469] | "11"
            day31 ::= "0" [1-9] | [12] [0-9] | "3" [01]
            day30 ::= "0" [1-9] | [12] [0-9] | "30"
            day28 ::= "0" [1-9] | "1" [0-9] | "2" [0-8]
            time ::= ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{1,9} )? ( "Z" | [+-] ( "0" [0-9] | "1" [0-7] ) ":" [0-5] [0-9] )
            date-time ::= date "T" time
            uuid ::= hex{8} "-" hex{4} "-" hex{4} "-" hex{4} "-" hex{12}
            hex ::= [0-9a-fA-F]
            root ::= value
            """;
    private static final Map<String, Expr> COMMON_RULES = GbnfParser.parse(COMMON).rules().rules();

    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "$schema", "$id", "$comment",
            "default", "examples", "deprecated", "readOnly", "writeOnly");
    private static final Set<String> CONTAINERS = Set.of("$defs", "definitions");
    private static final Set<String> SUPPORTED = union(ANNOTATIONS, CONTAINERS, Set.of("$ref", "type", "enum", "const",
            "anyOf", "oneOf", "allOf", "properties", "required", "additionalProperties", "items", "prefixItems",
            "additionalItems", "minItems", "maxItems", "minLength", "maxLength", "pattern", "format", "minimum",
            "maximum", "exclusiveMinimum", "exclusiveMaximum"));
    private static final Set<String> OBJECT_KEYWORDS = Set.of("properties", "required", "additionalProperties");
    private static final Set<String> ARRAY_KEYWORDS = Set.of("items", "prefixItems", "additionalItems", "minItems", "maxItems");
    private static final Set<String> STRING_KEYWORDS = Set.of("minLength", "maxLength", "pattern", "format");
    private static final Set<String> NUMBER_KEYWORDS = Set.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum");
    private static final List<String> TYPES = List.of("object", "array", "string", "number", "integer", "boolean", "null");
    private static final Set<String> FORMATS = Set.of("date", "time", "date-time", "uuid");

    private final JsonNode root;
    private final Map<String, Expr> rules = new LinkedHashMap<>();
    /** Rule names taken, the building blocks' included, so that a definition never takes one. */
    private final Set<String> taken = new HashSet<>(COMMON_RULES.keySet());
    /** The rule of each JSON pointer a {@code $ref} named, and the reverse for errors. */
    private final Map<String, String> refRules = new HashMap<>();
    private final Map<String, String> refOfRule = new HashMap<>();

    private JsonSchemaCompiler(JsonNode root) {
        this.root = root;
    }

    /**
     * The grammar of a schema's values.
     *
     * @throws InvalidRequestException for an unsupported keyword or a schema no value satisfies
     */
    static Built compile(JsonNode schema) {
        JsonSchemaCompiler c = new JsonSchemaCompiler(schema);
        c.rules.put("root", Expr.EMPTY);
        c.refRules.put("", "root");
        c.refOfRule.put("root", "#");
        c.rules.put("root", c.schema(schema, ""));
        return c.finish();
    }

    static Built anyObject() {
        JsonSchemaCompiler c = new JsonSchemaCompiler(null);
        c.rules.put("root", c.common("object"));
        return c.finish();
    }

    static Built anyValue() {
        JsonSchemaCompiler c = new JsonSchemaCompiler(null);
        c.rules.put("root", c.common("value"));
        return c.finish();
    }

    /** Compiles the rules; a left recursion can only come from {@code $ref}s. */
    private Built finish() {
        Rules out = new Rules(rules, "root");
        try {
            return new Built(out, Compiler.compile(out));
        } catch (Compiler.GrammarError e) {
            String ref = refOfRule.get(e.rule());
            throw new InvalidRequestException(ref == null ? "json_schema: " + e.getMessage()
                    : "json_schema: $ref '" + ref + "' leads back to itself before any value is written");
        }
    }

    /** Whitespace between tokens. */
    private Expr ws() {
        return common("ws");
    }

    /** A reference to a building block, copying it (and the blocks it uses) into the rules. */
    private Expr common(String name) {
        ArrayDeque<String> work = new ArrayDeque<>(List.of(name));
        while (!work.isEmpty()) {
            String n = work.poll();
            if (!rules.containsKey(n)) {
                Expr body = COMMON_RULES.get(n);
                rules.put(n, body);
                collectRefs(body, work);
            }
        }
        return Expr.ref(name);
    }

    private static void collectRefs(Expr e, ArrayDeque<String> out) {
        switch (e) {
            case Expr.Ref r -> out.add(r.name());
            case Expr.Seq s -> s.items().forEach(i -> collectRefs(i, out));
            case Expr.Alt a -> a.options().forEach(i -> collectRefs(i, out));
            case Expr.Repeat r -> collectRefs(r.body(), out);
            case Expr.Lit l -> { }
            case Expr.CharClass c -> { }
        }
    }

    private Expr schema(JsonNode s, String path) {
        if (s.isBoolean()) {
            if (s.booleanValue()) {
                return common("value");
            }
            throw unsatisfiable(path, "the schema is false");
        }
        if (!s.isObject()) {
            throw new InvalidRequestException("json_schema: the schema at " + at(path) + " must be an object or a boolean");
        }
        for (String keyword : keywords(s)) {
            if (!SUPPORTED.contains(keyword)) {
                throw new InvalidRequestException("json_schema: keyword '" + keyword + "' at " + at(path) + " is not supported");
            }
        }
        if (s.has("$ref")) {
            onlyWith(s, path, "$ref", Set.of());
            return ref(s.get("$ref"), path + "/$ref");
        }
        if (s.has("allOf")) {
            return allOf(s, path);
        }
        for (String keyword : List.of("anyOf", "oneOf")) {
            if (s.has(keyword)) {
                onlyWith(s, path, keyword, Set.of());
                List<Expr> options = new ArrayList<>();
                JsonNode list = array(s, keyword, path);
                for (int i = 0; i < list.size(); i++) {
                    if (!list.get(i).isBoolean() || list.get(i).booleanValue()) {
                        options.add(schema(list.get(i), path + "/" + keyword + "/" + i));
                    }
                }
                if (options.isEmpty()) {
                    throw unsatisfiable(path, "every subschema of '" + keyword + "' is false");
                }
                return Expr.alt(options);
            }
        }
        List<String> types = types(s, path);
        if (s.has("const") || s.has("enum")) {
            String keyword = s.has("const") ? "const" : "enum";
            onlyWith(s, path, keyword, Set.of("type", "enum", "const"));
            List<JsonNode> values = new ArrayList<>();
            array(s, "enum", path).forEach(values::add);
            if (s.has("const")) {
                JsonNode only = s.get("const");
                boolean listed = !s.has("enum") || values.contains(only);
                values.clear();
                if (listed) {
                    values.add(only);
                }
            }
            Set<String> literals = new LinkedHashSet<>();
            for (JsonNode v : values) {
                if (types == null || types.stream().anyMatch(t -> isOfType(v, t))) {
                    literals.add(v.toString());
                }
            }
            if (literals.isEmpty()) {
                throw unsatisfiable(path, "no value of '" + keyword + "' fits the other keywords");
            }
            return Expr.alt(literals.stream().map(Expr::lit).toList());
        }
        if (types == null) {
            return common("value");
        }
        List<Expr> options = new ArrayList<>();
        for (String type : types) {
            options.add(typed(s, type, path));
        }
        return Expr.alt(options);
    }

    /** The types a schema's values may have, from {@code type} or else from its keywords; null for any. */
    private List<String> types(JsonNode s, String path) {
        JsonNode type = s.get("type");
        if (type != null) {
            List<String> out = new ArrayList<>();
            List<JsonNode> names = new ArrayList<>();
            if (type.isArray()) {
                type.forEach(names::add);
            } else {
                names.add(type);
            }
            for (JsonNode name : names) {
                if (!name.isTextual() || !TYPES.contains(name.textValue())) {
                    throw new InvalidRequestException("json_schema: unknown type " + name + " at " + at(path + "/type"));
                }
                if (!out.contains(name.textValue())) {
                    out.add(name.textValue());
                }
            }
            if (out.isEmpty()) {
                throw unsatisfiable(path, "'type' lists no type");
            }
            return out;
        }
        // Without a type a keyword constrains only values of its own type; generating values of
        // those types alone is a subset of what the schema accepts.
        List<String> out = new ArrayList<>();
        if (hasAny(s, OBJECT_KEYWORDS)) {
            out.add("object");
        }
        if (hasAny(s, ARRAY_KEYWORDS)) {
            out.add("array");
        }
        if (hasAny(s, STRING_KEYWORDS)) {
            out.add("string");
        }
        if (hasAny(s, NUMBER_KEYWORDS)) {
            out.add("integer");
        }
        return out.isEmpty() ? null : out;
    }

    private static boolean isOfType(JsonNode v, String type) {
        return switch (type) {
            case "null" -> v.isNull();
            case "boolean" -> v.isBoolean();
            case "string" -> v.isTextual();
            case "array" -> v.isArray();
            case "object" -> v.isObject();
            case "number" -> v.isNumber();
            case "integer" -> v.isIntegralNumber() || (v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0);
            default -> false;
        };
    }

    private Expr typed(JsonNode s, String type, String path) {
        return switch (type) {
            case "null" -> common("null");
            case "boolean" -> common("boolean");
            case "integer" -> integer(s, path);
            case "number" -> {
                for (String keyword : NUMBER_KEYWORDS) {
                    if (s.has(keyword)) {
                        throw new InvalidRequestException("json_schema: keyword '" + keyword + "' at " + at(path)
                                + " is supported only with type 'integer', not 'number'");
                    }
                }
                yield common("number");
            }
            case "string" -> string(s, path);
            case "array" -> named(path, "array", array(s, path));
            default -> named(path, "object", object(s, path));
        };
    }

    /** An expression as a rule of its own, named after where it is in the schema (the root is one already). */
    private Expr named(String path, String fallback, Expr body) {
        if (body instanceof Expr.Ref || path.isEmpty()) {
            return body;
        }
        String name = freshName(path.isEmpty() ? fallback : path);
        rules.put(name, body);
        return Expr.ref(name);
    }

    private String freshName(String from) {
        String base = from.replaceAll("~1|~0", "-").replaceAll("[^A-Za-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (base.isEmpty()) {
            base = "r";
        }
        String name = base;
        for (int i = 2; taken.contains(name) || rules.containsKey(name); i++) {
            name = base + "-" + i;
        }
        taken.add(name);
        return name;
    }

    private Expr integer(JsonNode s, String path) {
        BigDecimal lo = BigDecimal.valueOf(-IntegerRanges.LIMIT);
        BigDecimal hi = BigDecimal.valueOf(IntegerRanges.LIMIT);
        boolean bounded = false;
        for (String keyword : NUMBER_KEYWORDS) {
            JsonNode v = s.get(keyword);
            if (v == null || v.isBoolean() && keyword.startsWith("exclusive")) {
                continue;
            }
            if (!v.isNumber()) {
                throw new InvalidRequestException("json_schema: '" + keyword + "' at " + at(path) + " must be a number");
            }
            bounded = true;
            BigDecimal d = v.decimalValue();
            // Draft 4 writes exclusiveMinimum: true next to minimum; later drafts give the bound itself.
            JsonNode draft4 = s.path("exclusive" + Character.toUpperCase(keyword.charAt(0)) + keyword.substring(1));
            boolean exclusive = keyword.startsWith("exclusive") || draft4.isBoolean() && draft4.booleanValue();
            if (keyword.endsWith("inimum")) {
                lo = lo.max(exclusive ? d.setScale(0, RoundingMode.FLOOR).add(BigDecimal.ONE)
                        : d.setScale(0, RoundingMode.CEILING));
            } else {
                hi = hi.min(exclusive ? d.setScale(0, RoundingMode.CEILING).subtract(BigDecimal.ONE)
                        : d.setScale(0, RoundingMode.FLOOR));
            }
        }
        if (!bounded) {
            return common("integer");
        }
        if (lo.compareTo(hi) > 0) {
            throw unsatisfiable(path, "no integer lies within its bounds");
        }
        return IntegerRanges.of(lo.longValueExact(), hi.longValueExact());
    }

    private Expr string(JsonNode s, String path) {
        List<String> kinds = new ArrayList<>();
        if (s.has("format")) {
            kinds.add("'format'");
        }
        if (s.has("pattern")) {
            kinds.add("'pattern'");
        }
        if (s.has("minLength") || s.has("maxLength")) {
            kinds.add("'minLength'/'maxLength'");
        }
        if (kinds.size() > 1) {
            throw new InvalidRequestException("json_schema: " + String.join(" together with ", kinds) + " at " + at(path)
                    + " is not supported");
        }
        Expr quote = Expr.lit("\"");
        if (s.has("format")) {
            JsonNode format = s.get("format");
            if (!format.isTextual() || !FORMATS.contains(format.textValue())) {
                throw new InvalidRequestException("json_schema: format " + format + " at " + at(path)
                        + " is not supported (supported: date, time, date-time, uuid)");
            }
            return Expr.seq(quote, common(format.textValue()), quote);
        }
        if (s.has("pattern")) {
            JsonNode pattern = s.get("pattern");
            if (!pattern.isTextual()) {
                throw new InvalidRequestException("json_schema: 'pattern' at " + at(path) + " must be a string");
            }
            Expr body = PatternTranslator.translate(pattern.textValue(), at(path), common("char"));
            return Expr.seq(quote, body, quote);
        }
        if (s.has("minLength") || s.has("maxLength")) {
            int min = count(s, "minLength", path, 0);
            int max = count(s, "maxLength", path, Expr.Repeat.UNBOUNDED);
            if (max != Expr.Repeat.UNBOUNDED && max < min) {
                throw unsatisfiable(path, "maxLength is below minLength");
            }
            return Expr.seq(quote, new Expr.Repeat(common("char"), min, max), quote);
        }
        return common("string");
    }

    /** A non-negative integer keyword, at most {@link GbnfParser#MAX_REPEAT}; {@code absent} if missing. */
    private static int count(JsonNode s, String keyword, String path, int absent) {
        JsonNode v = s.get(keyword);
        if (v == null) {
            return absent;
        }
        if (!isOfType(v, "integer") || v.decimalValue().signum() < 0) {
            throw new InvalidRequestException("json_schema: '" + keyword + "' at " + at(path) + " must be a non-negative integer");
        }
        if (v.decimalValue().compareTo(BigDecimal.valueOf(GbnfParser.MAX_REPEAT)) > 0) {
            throw new InvalidRequestException("json_schema: '" + keyword + "' " + v + " at " + at(path)
                    + " is above the supported limit " + GbnfParser.MAX_REPEAT);
        }
        return v.intValue();
    }

    private Expr array(JsonNode s, String path) {
        List<JsonNode> prefix = new ArrayList<>();
        String prefixKeyword = null;
        JsonNode rest = s.get("items");
        String restPath = path + "/items";
        if (s.has("prefixItems")) {
            prefixKeyword = "prefixItems";
        } else if (rest != null && rest.isArray()) {
            // Drafts before 2020-12 wrote tuples as an items array, the rest in additionalItems.
            prefixKeyword = "items";
            rest = s.get("additionalItems");
            restPath = path + "/additionalItems";
        }
        if (prefixKeyword != null) {
            array(s, prefixKeyword, path).forEach(prefix::add);
        }
        int min = count(s, "minItems", path, 0);
        int max = count(s, "maxItems", path, Expr.Repeat.UNBOUNDED);
        boolean restAllowed = rest == null || !rest.isBoolean() || rest.booleanValue();
        int limit = max;
        for (int i = 0; i < prefix.size(); i++) {
            if (prefix.get(i).isBoolean() && !prefix.get(i).booleanValue()) {
                limit = limit == Expr.Repeat.UNBOUNDED ? i : Math.min(limit, i);
                break;
            }
        }
        if (!restAllowed) {
            limit = limit == Expr.Repeat.UNBOUNDED ? prefix.size() : Math.min(limit, prefix.size());
        }
        if (limit != Expr.Repeat.UNBOUNDED && min > limit) {
            throw unsatisfiable(path, "it needs more items than it allows");
        }
        Expr open = Expr.seq(Expr.lit("["), ws());
        Expr close = Expr.lit("]");
        if (limit == 0) {
            return Expr.seq(open, close);
        }
        List<Expr> slots = new ArrayList<>();
        int explicit = limit == Expr.Repeat.UNBOUNDED ? prefix.size() : Math.min(prefix.size(), limit);
        for (int i = 0; i < explicit; i++) {
            slots.add(item(prefix.get(i), path + "/" + prefixKeyword + "/" + i));
        }
        Expr restItem = prefix.size() < (limit == Expr.Repeat.UNBOUNDED ? Integer.MAX_VALUE : limit)
                ? item(rest == null ? JsonNodeFactory.instance.booleanNode(true) : rest, restPath) : null;
        Expr list = Expr.seq(slots.isEmpty() ? restItem : slots.getFirst(), itemsAfter(1, slots, restItem, min, limit));
        return min > 0 ? Expr.seq(open, list, ws(), close) : Expr.seq(open, Expr.optional(Expr.seq(list, ws())), close);
    }

    /** The items after the first {@code done}: explicit slots, then repetitions of the rest item. */
    private Expr itemsAfter(int done, List<Expr> slots, Expr restItem, int min, int limit) {
        if (limit != Expr.Repeat.UNBOUNDED && done >= limit) {
            return Expr.EMPTY;
        }
        Expr comma = Expr.seq(ws(), Expr.lit(","), ws());
        if (done >= slots.size()) {
            int more = limit == Expr.Repeat.UNBOUNDED ? Expr.Repeat.UNBOUNDED : limit - done;
            return new Expr.Repeat(Expr.seq(comma, restItem), Math.max(0, min - done), more);
        }
        Expr next = Expr.seq(comma, slots.get(done), itemsAfter(done + 1, slots, restItem, min, limit));
        return done >= min ? Expr.optional(next) : next;
    }

    private Expr item(JsonNode schema, String path) {
        return named(path, "item", schema(schema, path));
    }

    private Expr object(JsonNode s, String path) {
        JsonNode properties = s.get("properties");
        if (properties != null && !properties.isObject()) {
            throw new InvalidRequestException("json_schema: 'properties' at " + at(path) + " must be an object");
        }
        Set<String> required = new LinkedHashSet<>();
        for (JsonNode name : array(s, "required", path)) {
            if (!name.isTextual()) {
                throw new InvalidRequestException("json_schema: 'required' at " + at(path) + " must list strings");
            }
            required.add(name.textValue());
        }
        JsonNode additional = s.has("additionalProperties") ? s.get("additionalProperties")
                : JsonNodeFactory.instance.booleanNode(true);
        boolean additionalAllowed = !additional.isBoolean() || additional.booleanValue();
        Expr open = Expr.seq(Expr.lit("{"), ws());
        Expr close = Expr.lit("}");
        if ((properties == null || properties.isEmpty()) && required.isEmpty()) {
            if (!additionalAllowed) {
                return Expr.seq(open, close);
            }
            Expr value = additional.isBoolean() ? common("value") : schema(additional, path + "/additionalProperties");
            Expr member = Expr.seq(common("string"), ws(), Expr.lit(":"), ws(), value);
            Expr members = Expr.seq(member, Expr.star(Expr.seq(ws(), Expr.lit(","), ws(), member)));
            return Expr.seq(open, Expr.optional(Expr.seq(members, ws())), close);
        }

        // Declared properties in their order, then required ones not declared (of the
        // additionalProperties schema); other additional properties are never generated.
        List<String> names = new ArrayList<>();
        List<Expr> members = new ArrayList<>();
        List<Boolean> mandatory = new ArrayList<>();
        if (properties != null) {
            for (Map.Entry<String, JsonNode> p : properties.properties()) {
                String propertyPath = path + "/properties/" + escapePointer(p.getKey());
                if (p.getValue().isBoolean() && !p.getValue().booleanValue()) {
                    if (required.contains(p.getKey())) {
                        throw unsatisfiable(propertyPath, "the property is required but its schema is false");
                    }
                    continue;
                }
                names.add(p.getKey());
                members.add(member(p.getKey(), p.getValue(), propertyPath));
                mandatory.add(required.contains(p.getKey()));
            }
        }
        for (String name : required) {
            if (properties != null && properties.has(name)) {
                continue;
            }
            if (!additionalAllowed) {
                throw unsatisfiable(path, "required property '" + name + "' is not in 'properties' and additionalProperties is false");
            }
            names.add(name);
            members.add(member(name, additional, path + "/additionalProperties"));
            mandatory.add(true);
        }
        if (members.isEmpty()) {
            return Expr.seq(open, close);
        }
        // after[i]: the members from i on, once one has been written (each comes with its comma).
        Expr[] after = new Expr[members.size() + 1];
        after[members.size()] = Expr.EMPTY;
        boolean anyOptional = mandatory.contains(false);
        for (int i = members.size() - 1; i >= 0; i--) {
            Expr withComma = Expr.seq(ws(), Expr.lit(","), ws(), members.get(i));
            Expr body = Expr.seq(mandatory.get(i) ? withComma : Expr.optional(withComma), after[i + 1]);
            // With optional members each tail is used by several first members: share it.
            after[i] = anyOptional && i > 0 ? named(path + "-after-" + i, "object-after-" + i, body) : body;
        }
        // The first member written is some member up to and including the first required one.
        List<Expr> firsts = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            firsts.add(Expr.seq(members.get(i), after[i + 1]));
            if (mandatory.get(i)) {
                break;
            }
        }
        Expr list = Expr.alt(firsts);
        return mandatory.contains(true) ? Expr.seq(open, list, ws(), close)
                : Expr.seq(open, Expr.optional(Expr.seq(list, ws())), close);
    }

    private Expr member(String name, JsonNode schema, String path) {
        Expr value = schema(schema, path);
        return Expr.seq(Expr.lit(new TextNode(name).toString()), ws(), Expr.lit(":"), ws(), value);
    }

    private Expr ref(JsonNode refNode, String path) {
        if (!refNode.isTextual()) {
            throw new InvalidRequestException("json_schema: '$ref' at " + at(path) + " must be a string");
        }
        String ref = refNode.textValue();
        if (!ref.startsWith("#")) {
            throw new InvalidRequestException("json_schema: $ref '" + ref + "' at " + at(path)
                    + " is not supported: only references within the schema ('#...') are");
        }
        String pointer = URLDecoder.decode(ref.substring(1), StandardCharsets.UTF_8);
        String rule = refRules.get(pointer);
        if (rule != null) {
            return Expr.ref(rule);
        }
        JsonNode target;
        try {
            target = root.at(JsonPointer.compile(pointer));
        } catch (IllegalArgumentException e) {
            target = null;
        }
        if (target == null || target.isMissingNode()) {
            throw new InvalidRequestException("json_schema: $ref '" + ref + "' at " + at(path) + " does not resolve");
        }
        int slash = pointer.lastIndexOf('/');
        rule = freshName(pointer.substring(slash + 1));
        refRules.put(pointer, rule);
        refOfRule.put(rule, ref);
        rules.put(rule, Expr.EMPTY);
        rules.put(rule, schema(target, pointer));
        return Expr.ref(rule);
    }

    /**
     * {@code allOf}: a single subschema (besides annotations) is compiled as it is; several are
     * merged when all of them are plain object schemas (properties, required, type object), the
     * common case of schemas built by extension. Anything else is refused.
     */
    private Expr allOf(JsonNode s, String path) {
        List<JsonNode> members = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        JsonNode list = array(s, "allOf", path);
        for (int i = 0; i < list.size(); i++) {
            members.add(list.get(i));
            paths.add(path + "/allOf/" + i);
        }
        ObjectNode sibling = ((ObjectNode) s).deepCopy();
        sibling.remove("allOf");
        members.add(sibling);
        paths.add(path);
        List<JsonNode> kept = new ArrayList<>();
        List<String> keptPaths = new ArrayList<>();
        List<JsonNode> keptAsGiven = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            JsonNode m = resolve(members.get(i), paths.get(i));
            if (m.isBoolean() && !m.booleanValue()) {
                throw unsatisfiable(paths.get(i), "a subschema of 'allOf' is false");
            }
            if (m.isObject() && !onlyAnnotations(m)) {
                kept.add(m);
                keptPaths.add(paths.get(i));
                keptAsGiven.add(members.get(i));
            }
        }
        if (kept.isEmpty()) {
            return common("value");
        }
        if (kept.size() == 1) {
            // Through its $ref, if it has one: the reference may lead back here.
            return schema(keptAsGiven.getFirst(), keptPaths.getFirst());
        }
        Set<String> mergeable = union(ANNOTATIONS, CONTAINERS, Set.of("type", "properties", "required"));
        ObjectNode merged = JsonNodeFactory.instance.objectNode();
        ObjectNode properties = merged.putObject("properties");
        Set<String> required = new LinkedHashSet<>();
        for (int i = 0; i < kept.size(); i++) {
            JsonNode m = kept.get(i);
            boolean plainObject = m.path("type").asText("object").equals("object");
            for (String keyword : keywords(m)) {
                boolean trivialAdditional = keyword.equals("additionalProperties") && m.get(keyword).asBoolean(false)
                        && m.get(keyword).isBoolean();
                plainObject &= mergeable.contains(keyword) || trivialAdditional;
            }
            if (!plainObject) {
                throw new InvalidRequestException("json_schema: allOf at " + at(path) + " is supported only with a single"
                        + " subschema or with object subschemas of properties and required to merge (" + at(keptPaths.get(i))
                        + " is neither)");
            }
            for (Map.Entry<String, JsonNode> p : m.path("properties").properties()) {
                if (properties.has(p.getKey())) {
                    throw new InvalidRequestException("json_schema: allOf at " + at(path) + ": property '" + p.getKey()
                            + "' is declared by more than one subschema, which is not supported");
                }
                properties.set(p.getKey(), p.getValue());
            }
            m.path("required").forEach(r -> required.add(r.asText()));
        }
        merged.put("type", "object");
        required.forEach(merged.putArray("required")::add);
        return schema(merged, path);
    }

    /** A subschema with its {@code $ref}s followed (only a {@code $ref} beside annotations). */
    private JsonNode resolve(JsonNode s, String path) {
        for (int hops = 0; s.isObject() && s.has("$ref") && hops < 64; hops++) {
            onlyWith(s, path, "$ref", Set.of());
            String ref = s.get("$ref").asText();
            if (!ref.startsWith("#")) {
                throw new InvalidRequestException("json_schema: $ref '" + ref + "' at " + at(path)
                        + " is not supported: only references within the schema ('#...') are");
            }
            JsonNode target = root.at(JsonPointer.compile(URLDecoder.decode(ref.substring(1), StandardCharsets.UTF_8)));
            if (target.isMissingNode()) {
                throw new InvalidRequestException("json_schema: $ref '" + ref + "' at " + at(path) + " does not resolve");
            }
            s = target;
        }
        return s;
    }

    private static List<String> keywords(JsonNode s) {
        return s.properties().stream().map(Map.Entry::getKey).toList();
    }

    private static boolean onlyAnnotations(JsonNode s) {
        for (String keyword : keywords(s)) {
            if (!ANNOTATIONS.contains(keyword) && !CONTAINERS.contains(keyword)) {
                return false;
            }
        }
        return true;
    }

    /** Refuses keywords beside {@code keyword} other than annotations, containers and {@code also}. */
    private static void onlyWith(JsonNode s, String path, String keyword, Set<String> also) {
        for (String other : keywords(s)) {
            if (!other.equals(keyword) && !ANNOTATIONS.contains(other) && !CONTAINERS.contains(other) && !also.contains(other)) {
                throw new InvalidRequestException("json_schema: keyword '" + other + "' next to '" + keyword + "' at "
                        + at(path) + " is not supported");
            }
        }
    }

    /** The keyword's array, empty if absent. */
    private static JsonNode array(JsonNode s, String keyword, String path) {
        JsonNode v = s.get(keyword);
        if (v == null) {
            return JsonNodeFactory.instance.arrayNode();
        }
        if (!v.isArray()) {
            throw new InvalidRequestException("json_schema: '" + keyword + "' at " + at(path) + " must be an array");
        }
        return v;
    }

    private static boolean hasAny(JsonNode s, Set<String> keywords) {
        for (String k : keywords) {
            if (s.has(k)) {
                return true;
            }
        }
        return false;
    }

    private static InvalidRequestException unsatisfiable(String path, String why) {
        return new InvalidRequestException("json_schema: no value satisfies the schema at " + at(path) + ": " + why);
    }

    private static String at(String path) {
        return path.isEmpty() ? "/" : path;
    }

    private static String escapePointer(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        Set<String> out = new HashSet<>();
        for (Set<String> s : sets) {
            out.addAll(s);
        }
        return Set.copyOf(out);
    }
}
