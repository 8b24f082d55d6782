package org.kemu.cli;

import picocli.CommandLine.Option;

/** {@code --format table|json|csv}: declared once here for every command that prints results. */
final class FormatOptions {
    @Option(names = "--format", defaultValue = "table", paramLabel = "table|json|csv",
            description = "how to print the results: table (for reading; units in the headers), json (schema"
                    + " kemu-result/1, docs/results.md) or csv (full precision) (default: ${DEFAULT-VALUE})")
    OutputFormat format = OutputFormat.table;
}
