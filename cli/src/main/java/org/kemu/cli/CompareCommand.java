package org.kemu.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kemu.cli.ResultTable.Column;
import org.kemu.lab.GuestInitResult;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Approach;
import org.kemu.lab.Profiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "compare", description = "One guest, every approach side by side (--padata-threads sets the thread"
        + " count of the threaded ones, --lock-cache-pages the cache).")
final class CompareCommand extends KemuCommand {
    @Mixin
    GuestOptions o;
    @Mixin
    LimitOptions limits;

    @Mixin
    FormatOptions output = new FormatOptions();

    /** Why the (sum) columns can exceed the pin time they are part of. */
    static final String SUM_NOTE = "(sum): added up over every pinning thread, so with N threads it can reach N times"
            + " the pin time. lock wait: time threads spent blocked or spinning on kernel locks (mmap_lock, the"
            + " container mutex, the locked_vm lock).";

    /** What the accounting column counts. */
    static final String ACCOUNTING_NOTE = "accounting: time spent charging pinned pages to locked_vm.";

    /** One line of the table: an approach with its threads and lock cache. */
    private record Line(Approach approach, int threads, long lockCachePages) {
    }

    private static List<Line> approaches(int threads, long cache) {
        int n = Math.max(1, threads);
        long c = cache == 0 ? 65536 : cache;
        return List.of(new Line(Approach.SERIAL, 1, 0), new Line(Approach.PADATA, n, 0), new Line(Approach.PADATA, n, c),
                new Line(Approach.USER_THREADS, n, 0), new Line(Approach.USER_THREADS_UNLOCKED, n, 0),
                new Line(Approach.FOLIO_SERIAL, 1, 0), new Line(Approach.FOLIO_PADATA, n, c));
    }

    @Override
    public Integer call() {
        if (o.padataThreads < 1) {
            // the threaded lines would otherwise run with 1 thread under a "padata 1 threads" label
            throw new IllegalArgumentException("compare needs at least 1 thread (--padata-threads " + o.padataThreads + ")");
        }
        OutputFormat format = output.format;
        MachineProfile p = Profiles.load(o.machine.profile);
        GuestSpec g = o.guest();
        ResultTable table = GuestInitCommand.timesTable("approach",
                Column.of("accounting_seconds", "accounting s (virtual, sum)"),
                Column.of("lock_wait_seconds", "lock wait s (virtual, sum)"));
        List<String> csv = new ArrayList<>(List.of(String.join(",", Reports.CSV_COLUMNS)));
        List<Map<String, Object>> runs = new ArrayList<>();
        GuestInitResult base = null;
        var progress = org.kemu.cli.progress.Progress.start("compare", approaches(o.padataThreads, o.lockCachePages).size());
        for (Line a : approaches(o.padataThreads, o.lockCachePages)) {
            LabConfig c = limits.apply(o.machine.apply(LabConfig.of(o.machine.seed, a.approach().pinConfig(a.threads(),
                    a.lockCachePages()))));
            GuestSpec ga = g.withMapDma(a.approach().userSpaceMapDma(a.threads()));
            if (base != null) {
                HostMemory.collectBetweenRuns();
            }
            GuestInitResult r = Lab.guestInit(p, c, ga, observation());
            if (base == null) {
                base = r;
            }
            String name = GuestInitCommand.describe(c, ga);
            List<Object> row = new ArrayList<>(List.of(GuestInitCommand.row(name, r, base)));
            row.add(r.pin().lockAcctNs() / 1e9);
            row.add(r.totalLockWaitNs() / 1e9);
            table.row(row.toArray());
            csv.add(Reports.csv(Reports.csvRow(p, c, ga, r)));
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("approach", name);
            run.putAll(Reports.json(p, c, ga, r));
            runs.add(run);
            progress.step(name);
        }
        progress.close();
        var out = out();
        switch (format) {
            case table -> out.print(table.title(String.format(java.util.Locale.ROOT,
                    "kemu compare: %s, %s, %s guest, %d prealloc threads, seed %d", p.name(), g.backing().cliName(),
                    Sizes.format(g.memBytes()), g.preallocThreads(), o.machine.seed))
                    .note(GuestInitCommand.TIME_NOTE).note(SUM_NOTE).note(ACCOUNTING_NOTE).table());
            case csv -> csv.forEach(out::println);
            case json -> {
                Map<String, Object> m = Results.document("compare");
                m.put("runs", runs);
                out.print(Reports.toJson(m));
            }
        }
        out.flush();
        return 0;
    }
}
