package org.kemu.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code --trace FILE}, accepted by every command (inherited from the top-level command). */
public final class TraceOptions {
    @Option(names = "--trace", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "write the simulated run(s) as Chrome trace-event JSON (open in ui.perfetto.dev or chrome://tracing) (default: none, no trace)")
    public Path file;
}
