package org.kemu.cli.plot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --plot DIR}: charts of the sweep's CSV. */
public final class PlotOptions {
    @Option(names = "--plot", paramLabel = "DIR", description = "also write PNG and SVG charts of the results into DIR"
            + " (default: none, no charts)")
    Path dir;

    /** Charts {@code csv} when {@code --plot} was given, and says on {@code report} how many and where. */
    public void write(Path csv, PrintWriter report) throws IOException {
        if (dir != null) {
            List<Path> files = SweepPlots.write(dir, Files.readAllLines(csv));
            long charts = files.stream().filter(f -> f.toString().endsWith(".png")).count();
            report.println("wrote " + charts + " plots to " + dir + " (PNG and SVG each)");
        }
    }
}
