package dev.jvmllm.examples.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The rows as a Markdown table, each column as wide as its widest cell. */
final class BenchTable {
    private record Column(String header, boolean left, Function<BenchRow, String> cell) {
    }

    private static final List<Column> COLUMNS = List.of(
            new Column("library", true, BenchRow::library),
            new Column("threads", false, r -> r.configuration().threadsCell()),
            new Column("kv cache", true, BenchRow::kvCache),
            new Column("path", true, BenchRow::path),
            new Column("backend", true, BenchRow::backend),
            new Column("concurrency", false, r -> Integer.toString(r.concurrency())),
            new Column("cache", false, r -> Integer.toString(r.cacheSequences())),
            new Column("tokens", false, r -> Long.toString(r.tokens())),
            new Column("seconds", false, r -> String.format("%.3f", r.seconds())),
            new Column("tokens/s", false, r -> String.format("%.1f", r.tokensPerSecond())),
            new Column("vs direct", false, r -> String.format("%.2fx", r.vsDirect())),
            // a direct row is its own base: its 0 says nothing
            new Column("ms/req vs direct", false, r -> r.path().equals(DirectPath.PATH) ? ""
                    : String.format("%+.2f", r.msPerRequestVsDirect())));

    private BenchTable() {
    }

    static List<String> lines(List<BenchRow> rows) {
        int[] widths = COLUMNS.stream().mapToInt(c -> rows.stream().map(c.cell()).mapToInt(String::length)
                .reduce(c.header().length(), Math::max)).toArray();
        List<String> lines = new ArrayList<>();
        lines.add(line(widths, COLUMNS.stream().map(Column::header).toList()));
        StringBuilder separator = new StringBuilder("|");
        for (int width : widths) {
            separator.append("-".repeat(width + 2)).append('|');
        }
        lines.add(separator.toString());
        for (BenchRow row : rows) {
            lines.add(line(widths, COLUMNS.stream().map(c -> c.cell().apply(row)).toList()));
        }
        return lines;
    }

    private static String line(int[] widths, List<String> cells) {
        StringBuilder line = new StringBuilder("|");
        for (int i = 0; i < widths.length; i++) {
            String format = " %" + (COLUMNS.get(i).left() ? "-" : "") + widths[i] + "s |";
            line.append(String.format(format, cells.get(i)));
        }
        return line.toString();
    }
}
