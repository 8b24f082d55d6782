package org.kemu.lab.experiment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An experiment's result in the shape of the published table: named columns (key with unit suffix,
 * and the header a reader sees) and rows of cells. The CLI prints it as a table, CSV or JSON; the
 * lab only fills it, so no experiment formats numbers itself.
 */
public final class ExperimentTable {
    /** One column; {@code ratio} marks a speedup or share. */
    public record Column(String key, String header, boolean ratio) {
    }

    private final List<Column> columns;
    private final List<List<Object>> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public ExperimentTable(List<Column> columns) {
        this.columns = List.copyOf(columns);
    }

    public static Column col(String key, String header) {
        return new Column(key, header, false);
    }

    public static Column ratio(String key, String header) {
        return new Column(key, header, true);
    }

    public ExperimentTable row(Object... cells) {
        if (cells.length != columns.size()) {
            throw new IllegalArgumentException(cells.length + " cells for " + columns.size() + " columns");
        }
        rows.add(Arrays.asList(cells));
        return this;
    }

    public ExperimentTable note(String n) {
        notes.add(n);
        return this;
    }

    public List<Column> columns() {
        return columns;
    }

    public List<List<Object>> rows() {
        return List.copyOf(rows);
    }

    public List<String> notes() {
        return List.copyOf(notes);
    }
}
