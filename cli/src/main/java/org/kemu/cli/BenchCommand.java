package org.kemu.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import org.kemu.cli.ResultTable.Column;
import org.kemu.lab.GuestInitResult;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.Approach;
import org.kemu.lab.Profiles;
import org.kemu.lab.calibrate.CalibrationCell;
import org.kemu.lab.calibrate.CalibrationInputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bench", description = "Wall time and peak heap of guest-init for every guest size and backing of the"
        + " calibration inputs on both profiles, against the published pin time.")
final class BenchCommand extends KemuCommand {
    @Option(names = "--padata-threads", defaultValue = "0",
            description = "threads of the multithreaded pin, 0 = the unmodified serial kernel (default: ${DEFAULT-VALUE})")
    int threads;

    @Mixin
    FormatOptions output = new FormatOptions();

    /** The columns of bench's results. */
    static ResultTable table() {
        return new ResultTable("bench", Column.of("machine", "machine"), Column.of("backing", "backing"),
                Column.of("prealloc_threads", "qthr"), Column.of("mem_gib", "GiB"),
                Column.of("published_pin_seconds", "published pin s (real)"),
                Column.of("pin_seconds", "emulated pin s (virtual)"), Column.of("wall_seconds", "wall s (real)"),
                Column.ratio("wall_per_published_pin", "wall / published pin"),
                Column.of("wall_pin_seconds", "pin wall s (real)"),
                Column.ratio("wall_pin_per_published_pin", "pin wall / published pin"),
                Column.of("peak_heap_mib", "peak heap MiB"));
    }

    @Override
    public Integer call() {
        ResultTable t = table();
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
            double pinWall = r.pinWallNanos() / 1e9;
            t.row(c.machine(), c.backing().cliName(), c.preallocThreads(), c.gib(), c.pinS(), r.pinSeconds(), wall,
                    c.pinS() == 0 ? null : wall / c.pinS(), pinWall, c.pinS() == 0 ? null : pinWall / c.pinS(),
                    peak >> 20);
        }
        t.note("published: the real machine's measured pin (docs/calibration-inputs.md); emulated: virtual seconds"
                + " of the emulated machine; wall: real seconds this computer took to emulate the whole guest init"
                + " (pin wall: its pin alone). Wall times vary from run to run.");
        t.print(out(), output.format);
        return 0;
    }
}
