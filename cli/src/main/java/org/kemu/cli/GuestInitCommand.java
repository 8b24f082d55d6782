package org.kemu.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.kemu.lab.GuestInitResult;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Approach;
import org.kemu.lab.Profiles;
import org.kemu.cli.ResultTable.Column;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "guest-init", description = "Emulate a qemu guest init: the base (serial 5.14) pin and the chosen one.")
final class GuestInitCommand extends KemuCommand {
    @Mixin
    GuestOptions o;
    @Mixin
    LimitOptions limits;

    @Mixin
    FormatOptions output = new FormatOptions();

    @Option(names = "--no-baseline", description = "do not also run the serial base kernel")
    boolean noBaseline;

    /** What the table's time columns mean, under every guest-init and compare table. */
    static final String TIME_NOTE = "pin and init: virtual seconds, the emulated machine's time; wall: real seconds"
            + " this computer took to emulate the run. speedup: the serial 5.14 row's time over this row's.";

    @Override
    public Integer call() {
        OutputFormat format = output.format;
        MachineProfile p = Profiles.load(o.machine.profile);
        GuestSpec g = o.guest();
        LabConfig c = limits.apply(o.config());
        var observation = observation().collectMetrics(format == OutputFormat.json);
        GuestInitResult r = Lab.guestInit(p, c, g, observation);
        boolean withBase = !noBaseline && Approach.of(c.pin(), g.mapDma()) != Approach.SERIAL;
        GuestSpec baseGuest = o.baselineGuest();
        GuestInitResult base = null;
        if (withBase) {
            HostMemory.collectBetweenRuns();
            base = Lab.guestInit(p, limits.apply(o.baseline()), baseGuest, observation);
        }
        var out = out();
        switch (format) {
            case json -> {
                Map<String, Object> m = Results.document("guest-init");
                m.putAll(Reports.json(p, c, g, r));
                observation.takeMetrics().ifPresent(x -> m.put("metrics", x));
                if (base != null) {
                    Map<String, Object> b = new LinkedHashMap<>();
                    b.put("pin_seconds", base.pinSeconds());
                    b.put("init_seconds", base.initSeconds());
                    b.put("wall_seconds", base.wallNanos() / 1e9);
                    m.put("baseline_serial", b);
                }
                out.print(Reports.toJson(m));
            }
            case csv -> {
                out.println(String.join(",", Reports.CSV_COLUMNS));
                if (base != null) {
                    out.println(Reports.csv(Reports.csvRow(p, o.baseline(), baseGuest, base)));
                }
                out.println(Reports.csv(Reports.csvRow(p, c, g, r)));
            }
            case table -> {
                ResultTable t = timesTable("kernel").title(String.format(java.util.Locale.ROOT,
                        "kemu guest-init: %s, %s, %s guest, %d prealloc threads, seed %d", p.name(),
                        g.backing().cliName(), Sizes.format(g.memBytes()), g.preallocThreads(), c.seed()));
                if (base != null) {
                    t.row(row("serial 5.14 (base)", base, base));
                }
                t.row(row(describe(c, g), r, base));
                out.print(t.note(TIME_NOTE).table());
                if (r.memcg() != null) {
                    out.println(memcgLine(r.memcg()));
                }
                if (!r.invariantViolations().isEmpty()) {
                    out.println("INVARIANT VIOLATIONS: " + r.invariantViolations());
                    return 1;
                }
            }
        }
        out.flush();
        return 0;
    }

    /** qemu's memory cgroup after the init: what the faults charged, and how many page tables escaped it. */
    static String memcgLine(GuestInitResult.MemcgUsage u) {
        String max = u.maxPages() == org.kemu.schedfair.MemCgroup.MAX ? "max" : u.maxPages() + " pages";
        return String.format(java.util.Locale.ROOT,
                "memcg qemu: memory.max %s, memory.current %d pages (peak %d, failcnt %d); page tables %d pages,"
                        + " %d charged to the group", max, u.currentPages(), u.peakPages(), u.failcnt(),
                u.pgtablePages(), u.pgtablePagesCharged());
    }

    /** The columns guest-init and compare share, the first one named {@code first}. */
    static ResultTable timesTable(String first, Column... more) {
        Column[] cols = {Column.of("approach", first), Column.of("pin_seconds", "pin s (virtual)"),
            Column.of("init_seconds", "init s (virtual)"), Column.ratio("pin_speedup", "pin speedup"),
            Column.ratio("init_speedup", "init speedup"), Column.of("wall_seconds", "wall s (real)")};
        Column[] all = java.util.Arrays.copyOf(cols, cols.length + more.length);
        System.arraycopy(more, 0, all, cols.length, more.length);
        return new ResultTable("guest-init", all);
    }

    static String describe(LabConfig c, GuestSpec g) {
        var pin = c.pin();
        int threads = Approach.threads(pin, g.mapDma());
        return switch (Approach.of(pin, g.mapDma())) {
            case SERIAL -> "serial 5.14";
            case FOLIO_SERIAL -> "folio-batched serial";
            case PADATA -> "padata " + threads + " threads, lock cache " + pin.lockCachePages();
            case FOLIO_PADATA -> "folio-batched padata " + threads + " threads, lock cache " + pin.lockCachePages();
            case USER_THREADS -> "user-space " + threads + " MAP_DMA threads, container mutex";
            case USER_THREADS_UNLOCKED -> "user-space " + threads + " MAP_DMA threads, pin outside mutex";
        };
    }

    /** A row of {@link #timesTable}: the name, pin and init times, speedups over {@code base} (none without one), wall. */
    static Object[] row(String name, GuestInitResult r, GuestInitResult base) {
        Double ps = base == null ? null : base.pinNs() / (double) r.pinNs();
        Double is = base == null ? null : base.initNs() / (double) r.initNs();
        return new Object[] {name, r.pinSeconds(), r.initSeconds(), ps, is, r.wallNanos() / 1e9};
    }
}
