package org.kemu.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import org.kemu.cli.ResultTable.Column;
import org.kemu.lab.Approach;
import org.kemu.lab.Backing;
import org.kemu.lab.GuestInitResult;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.Profiles;
import org.kemu.lab.calibrate.CalibrationCell;
import org.kemu.lab.calibrate.CalibrationInputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bench", description = "Wall time, engine events per wall second, peak heap and peak RSS of guest-init for the"
        + " largest published cells (default) or every calibration guest, against the published real times.")
final class BenchCommand extends KemuCommand {
    /** Which guests bench emulates. */
    enum Cells {
        /** Issue 15's speed targets: the largest published cells, serial and 16 threads with cache 65536. */
        largest,
        /** Every guest size and backing of calibration input 1, at --padata-threads. */
        calibration
    }

    @Option(names = "--cells", defaultValue = "largest",
            description = "largest: issue 15's target cells, serial and 16 threads with cache 65536; calibration:"
                    + " every base calibration guest at --padata-threads (default: ${DEFAULT-VALUE})")
    Cells cells;

    @Option(names = "--padata-threads", defaultValue = "0",
            description = "with --cells calibration: threads of the multithreaded pin, 0 = the unmodified serial"
                    + " kernel (default: ${DEFAULT-VALUE})")
    int threads;

    @Mixin
    FormatOptions output = new FormatOptions();

    /** One guest to emulate, with the real machine's published pin and qemu init times (null: not published). */
    record Target(String machine, Backing backing, int preallocThreads, int gib, int padataThreads, long cache,
            Double pinS, Double initS) {
    }

    /**
     * The published qemu init times of issue 15's "Done when" list. The serial ones are calibration
     * input 1; the 16-thread ones (cache 65536) are results of the patch-8 sweep that issue 15 quotes:
     * they serve only as the denominator of wall time here, never as a fitting input.
     */
    static List<Target> largest() {
        record Cell(String machine, Backing backing, int gib, int qthr, double threadedInitS) {
        }
        List<Cell> cells = List.of(new Cell("amd-7j13", Backing.HUGETLB, 980, 0, 19.2),
                new Cell("amd-7j13", Backing.THP, 980, 0, 19.0), new Cell("intel-8167m", Backing.THP, 360, 0, 8.0),
                new Cell("amd-7j13", Backing.THP, 980, 16, 320.4));
        List<Target> out = new ArrayList<>();
        for (Cell c : cells) {
            CalibrationCell base = CalibrationInputs.BASE.stream()
                    .filter(b -> b.machine().equals(c.machine()) && b.backing() == c.backing() && b.gib() == c.gib()
                            && b.preallocThreads() == c.qthr())
                    .findFirst().orElseThrow();
            out.add(new Target(c.machine(), c.backing(), c.qthr(), c.gib(), 0, 0, base.pinS(), base.initS()));
            out.add(new Target(c.machine(), c.backing(), c.qthr(), c.gib(), 16, 65536, null, c.threadedInitS()));
        }
        return out;
    }

    private List<Target> targets() {
        if (cells == Cells.largest) {
            return largest();
        }
        return CalibrationInputs.BASE.stream()
                .map(c -> new Target(c.machine(), c.backing(), c.preallocThreads(), c.gib(), threads,
                        threads == 0 ? 0 : 65536, threads == 0 ? c.pinS() : null, threads == 0 ? c.initS() : null))
                .toList();
    }

    /** The columns of bench's results. */
    static ResultTable table() {
        return new ResultTable("bench", Column.of("machine", "machine"), Column.of("backing", "backing"),
                Column.of("prealloc_threads", "qthr"), Column.of("mem_gib", "GiB"),
                Column.of("padata_threads", "padata"), Column.of("lock_cache_pages", "cache"),
                Column.of("published_pin_seconds", "published pin s (real)"),
                Column.of("published_init_seconds", "published init s (real)"),
                Column.of("pin_seconds", "emulated pin s (virtual)"), Column.of("wall_seconds", "wall s (real)"),
                Column.ratio("wall_per_published_pin", "wall / published pin"),
                Column.ratio("wall_per_published_init", "wall / published init"),
                Column.of("wall_pin_seconds", "pin wall s (real)"),
                Column.ratio("wall_pin_per_published_pin", "pin wall / published pin"),
                Column.of("events", "events"), Column.of("events_per_wall_second", "events / wall s"),
                Column.of("peak_heap_mib", "peak heap MiB"), Column.of("peak_rss_mib", "peak RSS MiB"));
    }

    @Override
    public Integer call() {
        ResultTable t = table();
        for (Target c : targets()) {
            HostMemory.collectBetweenRuns();
            for (MemoryPoolMXBean b : ManagementFactory.getMemoryPoolMXBeans()) {
                b.resetPeakUsage();
            }
            boolean rssReset = HostMemory.resetPeakRss();
            GuestInitResult r = Lab.guestInit(Profiles.builtIn(c.machine()),
                    LabConfig.of(1, Approach.padataOrSerial(c.padataThreads(), c.cache())),
                    new GuestSpec(c.backing(), (long) c.gib() << 30, c.preallocThreads()));
            long peak = 0;
            for (MemoryPoolMXBean b : ManagementFactory.getMemoryPoolMXBeans()) {
                if (b.getType() == MemoryType.HEAP) {
                    peak += b.getPeakUsage().getUsed();
                }
            }
            double wall = r.wallNanos() / 1e9;
            double pinWall = r.pinWallNanos() / 1e9;
            t.row(c.machine(), c.backing().cliName(), c.preallocThreads(), c.gib(), c.padataThreads(), c.cache(),
                    c.pinS(), c.initS(), r.pinSeconds(), wall, ratio(wall, c.pinS()), ratio(wall, c.initS()), pinWall,
                    ratio(pinWall, c.pinS()), r.events(), Math.round(r.events() / wall), peak >> 20,
                    rssReset ? peakRssMib() : null);
        }
        t.note("published: the real machine's measured pin and qemu init (docs/calibration-inputs.md; the 16-thread"
                + " init times of --cells largest are those issue 15 quotes from the patch-8 sweep); emulated: virtual"
                + " seconds of the emulated machine; wall: real seconds this computer took to emulate the whole guest"
                + " init (pin wall: its pin alone); events: the engine's events in the run. Issue 15's target is wall"
                + " / published init <= 2% and >= 3 M events per wall second, and a peak RSS of at most 512 MiB per"
                + " cell. Peak heap: the JVM's heap in use at its highest, garbage included; peak RSS: the process's"
                + " resident memory at its highest during the cell, counted from what it held when the cell started"
                + " (Linux only). Wall times vary from run to run and with the host's load.");
        t.print(out(), output.format);
        return 0;
    }

    private static Long peakRssMib() {
        var b = HostMemory.peakRssBytes();
        return b.isPresent() ? b.getAsLong() >> 20 : null;
    }

    private static Double ratio(double wall, Double published) {
        return published == null || published == 0 ? null : wall / published;
    }
}
