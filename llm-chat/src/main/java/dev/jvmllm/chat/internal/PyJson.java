package dev.jvmllm.chat.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.objects.SafeString;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON as Python's {@code json.dumps} writes it, which is what transformers' {@code tojson}
 * filter calls: templates print tool schemas and call arguments with it, and a model was
 * trained on exactly that text ({@code ", "} and {@code ": "} between items, non-ASCII kept,
 * floats as Python's {@code repr}). Also turns JSON trees into the plain Java values templates get.
 */
public final class PyJson {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private PyJson() {
    }

    /** How to write: {@code json.dumps}'s keyword arguments. */
    public record Style(String indent, String itemSeparator, String keySeparator, boolean ensureAscii, boolean sortKeys) {
        /** {@code json.dumps(value, ensure_ascii=False)}, as transformers' {@code tojson} does by default. */
        public static final Style DEFAULT = new Style(null, ", ", ": ", false, false);

        /** With {@code indent}, whose default item separator loses its space, as in Python. */
        public Style withIndent(String value) {
            return new Style(value, value == null ? itemSeparator : itemSeparator.stripTrailing(), keySeparator,
                    ensureAscii, sortKeys);
        }
    }

    /** {@code json.dumps(value, ensure_ascii=False)}. */
    public static String dumps(Object value) {
        return dumps(value, Style.DEFAULT);
    }

    public static String dumps(Object value, Style style) {
        StringBuilder out = new StringBuilder();
        write(out, value, style, 0);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value, Style style, int level) {
        switch (value) {
            case null -> out.append("null");
            case JsonNode node -> write(out, toJava(node), style, level);
            case CharSequence text -> string(out, text.toString(), style.ensureAscii());
            case SafeString text -> string(out, text.toString(), style.ensureAscii());
            case Boolean b -> out.append(b ? "true" : "false");
            case Double d -> out.append(floatRepr(d));
            case Float f -> out.append(floatRepr(f.doubleValue()));
            case BigDecimal d -> out.append(floatRepr(d.doubleValue()));
            case Number n -> out.append(n);
            case Map<?, ?> map -> {
                Map<?, ?> entries = style.sortKeys() ? new TreeMap<>(map) : map;
                container(out, '{', '}', entries.entrySet().iterator(), entries.isEmpty(), style, level, (entry, l) -> {
                    Map.Entry<?, ?> e = (Map.Entry<?, ?>) entry;
                    string(out, String.valueOf(e.getKey()), style.ensureAscii());
                    out.append(style.keySeparator());
                    write(out, e.getValue(), style, l);
                });
            }
            // a map entry is Python's (key, value) tuple, as `items` gives them
            case Map.Entry<?, ?> entry -> write(out, List.of(String.valueOf(entry.getKey()), entry.getValue()), style, level);
            case Collection<?> items -> container(out, '[', ']', items.iterator(), items.isEmpty(), style, level,
                    (item, l) -> write(out, item, style, l));
            case Object[] items -> write(out, List.of(items), style, level);
            default -> string(out, value.toString(), style.ensureAscii());
        }
    }

    private interface ItemWriter {
        void write(Object item, int level);
    }

    private static void container(StringBuilder out, char open, char close, Iterator<?> items, boolean empty,
                                  Style style, int level, ItemWriter writer) {
        out.append(open);
        if (empty) {
            out.append(close);
            return;
        }
        boolean first = true;
        while (items.hasNext()) {
            if (!first) {
                out.append(style.itemSeparator());
            }
            first = false;
            newline(out, style, level + 1);
            writer.write(items.next(), level + 1);
        }
        newline(out, style, level);
        out.append(close);
    }

    private static void newline(StringBuilder out, Style style, int level) {
        if (style.indent() != null) {
            out.append('\n').append(style.indent().repeat(level));
        }
    }

    private static void string(StringBuilder out, String text, boolean ensureAscii) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * Python's {@code repr} of a float: the shortest digits that read back as the same double
     * (which {@link Double#toString} also finds), written in positional notation for decimal
     * exponents from -4 to 15 and in scientific notation ({@code 1e-05}, {@code 1.5e+16}) outside.
     */
    static String floatRepr(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "Infinity" : "-Infinity";
        }
        if (value == 0) {
            return (1 / value < 0) ? "-0.0" : "0.0";
        }
        BigDecimal shortest = new BigDecimal(Double.toString(Math.abs(value))).stripTrailingZeros();
        String digits = shortest.unscaledValue().toString();
        // the value is 0.DIGITS times 10^point
        int point = digits.length() - shortest.scale();
        StringBuilder out = new StringBuilder(value < 0 ? "-" : "");
        if (point > 16 || point < -3) {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            int exponent = point - 1;
            out.append('e').append(exponent < 0 ? '-' : '+');
            String magnitude = Integer.toString(Math.abs(exponent));
            out.append(magnitude.length() < 2 ? "0" + magnitude : magnitude);
        } else if (point <= 0) {
            out.append("0.").append("0".repeat(-point)).append(digits);
        } else if (point >= digits.length()) {
            out.append(digits).append("0".repeat(point - digits.length())).append(".0");
        } else {
            out.append(digits, 0, point).append('.').append(digits, point, digits.length());
        }
        return out.toString();
    }

    /** A JSON tree as plain values: ordered maps, lists, strings, longs or big integers, doubles, booleans, null. */
    public static Object toJava(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.properties().forEach(e -> map.put(e.getKey(), toJava(e.getValue())));
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            node.forEach(item -> list.add(toJava(item)));
            return list;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            BigInteger value = node.bigIntegerValue();
            return value.bitLength() < 64 ? (Object) value.longValue() : value;
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        return node.toString();
    }
}
