package dev.jvmllm.grammar;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A grammar as named rules, before compilation.
 *
 * @param rules every rule by name, in definition order; each name a GBNF name
 *              ({@code [A-Za-z0-9_-]+}) and every {@link Expr.Ref} naming one of them
 * @param start the rule the whole output must match
 */
record Rules(Map<String, Expr> rules, String start) {

    Rules {
        rules = Collections.unmodifiableMap(new LinkedHashMap<>(rules));
        if (!rules.containsKey(start)) {
            throw new IllegalArgumentException("no rule " + start);
        }
    }

    /** The same language with literals around it: a new start rule, the old rules untouched. */
    Rules wrap(String prefix, String suffix) {
        String name = freshName("wrapped");
        Map<String, Expr> out = new LinkedHashMap<>(rules);
        out.put(name, Expr.seq(Expr.lit(prefix), Expr.ref(start), Expr.lit(suffix)));
        return new Rules(out, name);
    }

    /** A name no rule has, from {@code base}. */
    String freshName(String base) {
        String name = base;
        for (int i = 2; rules.containsKey(name); i++) {
            name = base + "-" + i;
        }
        return name;
    }

    /** GBNF text with the start rule named {@code root} (a rule already named so is renamed). */
    String toGbnf() {
        Map<String, String> rename = new LinkedHashMap<>();
        if (!start.equals("root")) {
            rename.put(start, "root");
            if (rules.containsKey("root")) {
                String other = "root";
                for (int i = 2; rules.containsKey(other); i++) {
                    other = "root-" + i;
                }
                rename.put("root", other);
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("root ::= ").append(Expr.print(renamed(rules.get(start), rename))).append('\n');
        for (Map.Entry<String, Expr> rule : rules.entrySet()) {
            if (!rule.getKey().equals(start)) {
                out.append(rename.getOrDefault(rule.getKey(), rule.getKey())).append(" ::= ")
                        .append(Expr.print(renamed(rule.getValue(), rename))).append('\n');
            }
        }
        return out.toString();
    }

    private static Expr renamed(Expr e, Map<String, String> rename) {
        if (rename.isEmpty()) {
            return e;
        }
        return switch (e) {
            case Expr.Ref r -> new Expr.Ref(rename.getOrDefault(r.name(), r.name()));
            case Expr.Seq s -> new Expr.Seq(s.items().stream().map(i -> renamed(i, rename)).toList());
            case Expr.Alt a -> new Expr.Alt(a.options().stream().map(i -> renamed(i, rename)).toList());
            case Expr.Repeat r -> new Expr.Repeat(renamed(r.body(), rename), r.min(), r.max());
            case Expr.Lit l -> l;
            case Expr.CharClass c -> c;
        };
    }
}
