package org.kemu.cli.sweep;

import java.nio.file.Path;
import java.util.List;
import org.kemu.cli.plot.PlotOptions;
import org.kemu.cli.KemuCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kemu sweep merge FILES... -o OUT}. */
@Command(name = "merge", description = "Join the CSV (and JSON sidecar) outputs of 'sweep --shard I/N' runs into"
        + " the unsharded sweep's output.")
public final class SweepMergeCommand extends KemuCommand {
    @Parameters(arity = "1..*", paramLabel = "FILES", description = "the shards' CSV files, each with its <file>.json sidecar beside it (default: none, required)")
    List<Path> files;

    @Option(names = {"-o", "--out"}, required = true, description = "merged CSV; the sidecar is <out>.json (default: none, required)")
    Path out;

    @Mixin
    PlotOptions plot;

    @Override
    public Integer call() throws Exception {
        long cells = SweepMerge.merge(files, out);
        out().println("wrote " + out + " and " + SweepMerge.sidecar(out) + " (" + cells
                + " runs from " + files.size() + " shards)");
        plot.write(out, out());
        return 0;
    }
}
