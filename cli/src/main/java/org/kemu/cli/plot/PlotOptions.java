package org.kemu.cli.plot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --plot DIR}: charts of the sweep's CSV. */
public final class PlotOptions {
    @Option(names = "--plot", paramLabel = "DIR", description = "also write PNG and SVG charts of the results into DIR")
    Path dir;

    /** Charts {@code csv} when {@code --plot} was given. */
    public void write(Path csv) throws IOException {
        if (dir != null) {
            SweepPlots.write(dir, Files.readAllLines(csv));
        }
    }
}
