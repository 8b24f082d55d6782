package org.kemu.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.kemu.lab.GuestInitResult;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.Approach;
import org.kemu.lab.Profiles;
import org.kemu.lab.calibrate.CalibrationCell;
import org.kemu.lab.calibrate.CalibrationInputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", description = "Wall time and peak heap of guest-init for every guest size and backing of the"
        + " calibration inputs on both profiles, against the published pin time.")
final class BenchCommand extends KemuCommand {
    @Option(names = "--padata-threads", defaultValue = "0",
            description = "threads of the multithreaded pin, 0 = the unmodified serial kernel (default: ${DEFAULT-VALUE})")
    int threads;

    @Override
    public Integer call() {
        var out = out();
        List<List<String>> rows = new ArrayList<>();
        for (CalibrationCell c : CalibrationInputs.BASE) {
            System.gc();
            for (MemoryPoolMXBean b : ManagementFactory.getMemoryPoolMXBeans()) {
                b.resetPeakUsage();
            }
            GuestInitResult r = Lab.guestInit(Profiles.builtIn(c.machine()),
                    LabConfig.of(1, Approach.padataOrSerial(threads, 65536)),
                    new GuestSpec(c.backing(), (long) c.gib() << 30, c.preallocThreads()));
            long peak = 0;
            for (MemoryPoolMXBean b : ManagementFactory.getMemoryPoolMXBeans()) {
                if (b.getType() == MemoryType.HEAP) {
                    peak += b.getPeakUsage().getUsed();
                }
            }
            double wall = r.wallNanos() / 1e9;
            rows.add(List.of(c.machine(), c.backing().cliName(), Integer.toString(c.preallocThreads()),
                    Integer.toString(c.gib()), f(c.pinS()), f(r.pinSeconds()), f(wall),
                    c.pinS() == 0 ? "n/a" : f(wall / c.pinS()), f(r.pinWallNanos() / 1e9),
                    c.pinS() == 0 ? "n/a" : f(r.pinWallNanos() / 1e9 / c.pinS()), Long.toString(peak >> 20)));
            out.print("");
        }
        out.print(Reports.table(List.of("machine", "backing", "qthr", "GiB", "real pin s", "emulated pin s", "wall s",
                "wall / real pin", "pin wall s", "pin wall / real pin", "peak heap MiB"), rows));
        return 0;
    }

    private static String f(double d) {
        return String.format(Locale.ROOT, "%.3f", d);
    }
}
