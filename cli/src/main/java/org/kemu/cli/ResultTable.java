package org.kemu.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A command's results as rows of named columns, printed in any {@link OutputFormat} from the same
 * values: the table's header names each column's unit and whether it is virtual (emulated) or real
 * (wall) time, and footnotes explain what a header cannot; CSV and JSON use the column keys and
 * full precision. One place for this, so no command formats its own numbers.
 */
final class ResultTable {
    /**
     * One column.
     *
     * @param key the CSV header and JSON field name (snake_case, unit as suffix: {@code pin_seconds})
     * @param header the table header, with unit and time base: {@code pin s (virtual)}
     * @param ratio a ratio such as a speedup: printed with an {@code x} in the table
     */
    record Column(String key, String header, boolean ratio) {
        static Column of(String key, String header) {
            return new Column(key, header, false);
        }

        static Column ratio(String key, String header) {
            return new Column(key, header, true);
        }
    }

    /** Footnotes wrap at this width, like the rest of kemu's help and listings. */
    private static final int NOTE_WIDTH = 100;

    private final String kind;
    private final List<Column> columns;
    private final Map<String, Object> context = new LinkedHashMap<>();
    private final List<List<Object>> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private String title;

    ResultTable(String kind, Column... columns) {
        this.kind = kind;
        this.columns = List.of(columns);
    }

    /** The table's first line (table format only). */
    ResultTable title(String t) {
        title = t;
        return this;
    }

    /** A field of the JSON document beside the rows, such as the profile or the seed. */
    ResultTable context(String key, Object value) {
        context.put(key, value);
        return this;
    }

    /** A row: one cell per column, a String, a whole number, a double, or null for none. */
    ResultTable row(Object... cells) {
        if (cells.length != columns.size()) {
            throw new IllegalArgumentException(cells.length + " cells for " + columns.size() + " columns");
        }
        rows.add(Arrays.asList(cells));
        return this;
    }

    /** A footnote under the table (and in the JSON document's {@code notes}). */
    ResultTable note(String n) {
        notes.add(n);
        return this;
    }

    void print(PrintWriter out, OutputFormat f) {
        switch (f) {
            case table -> out.print(table());
            case csv -> out.print(csv());
            case json -> out.print(Reports.toJson(json()));
        }
        out.flush();
    }

    String table() {
        StringBuilder b = new StringBuilder();
        if (title != null) {
            b.append(title).append('\n');
        }
        List<List<String>> cells = new ArrayList<>();
        for (List<Object> r : rows) {
            List<String> line = new ArrayList<>();
            for (int i = 0; i < columns.size(); i++) {
                Object v = r.get(i);
                line.add(v == null ? "n/a" : v instanceof Double d
                        ? (columns.get(i).ratio() ? Numbers.times(d) : Numbers.table(d)) : String.valueOf(v));
            }
            cells.add(line);
        }
        b.append(Reports.table(columns.stream().map(Column::header).toList(), cells));
        for (String n : notes) {
            for (String line : PluginUsage.wrap(n, NOTE_WIDTH)) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    String csv() {
        StringBuilder b = new StringBuilder(Reports.csv(columns.stream().map(Column::key).toList())).append('\n');
        for (List<Object> r : rows) {
            b.append(Reports.csv(r.stream().map(v -> v == null ? "" : v instanceof Double d ? Numbers.csv(d)
                    : String.valueOf(v)).toList())).append('\n');
        }
        return b.toString();
    }

    Map<String, Object> json() {
        Map<String, Object> m = Results.document(kind);
        m.putAll(context);
        List<Map<String, Object>> rs = new ArrayList<>();
        for (List<Object> r : rows) {
            Map<String, Object> o = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                Object v = r.get(i);
                o.put(columns.get(i).key(), v instanceof Double d && !Double.isFinite(d) ? null : v);
            }
            rs.add(o);
        }
        m.put("rows", rs);
        m.put("notes", notes);
        return m;
    }
}
