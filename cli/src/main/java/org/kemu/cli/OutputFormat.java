package org.kemu.cli;

/** How a command prints its results (see {@link FormatOptions}). */
public enum OutputFormat {
    /** An aligned table for a reader: units in the headers, 4 significant digits, footnotes below. */
    table,
    /** One JSON document of schema {@value Results#SCHEMA} (docs/results.md). */
    json,
    /** A header line of field names, then one line per result, full precision. */
    csv
}
