package org.kemu.cli;

import java.util.ArrayList;
import java.util.List;
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
        MachineProfile p = Profiles.load(o.machine.profile);
        GuestSpec g = o.guest();
        List<List<String>> rows = new ArrayList<>();
        GuestInitResult base = null;
        var progress = org.kemu.cli.progress.Progress.start("compare", approaches(o.padataThreads, o.lockCachePages).size());
        for (Line a : approaches(o.padataThreads, o.lockCachePages)) {
            LabConfig c = limits.apply(LabConfig.of(o.machine.seed, a.approach().pinConfig(a.threads(), a.lockCachePages())));
            GuestSpec ga = g.withMapDma(a.approach().userSpaceMapDma(a.threads()));
            GuestInitResult r = Lab.guestInit(p, c, ga, observation());
            if (base == null) {
                base = r;
            }
            List<String> row = new ArrayList<>(GuestInitCommand.row(GuestInitCommand.describe(c, ga), r, base));
            row.add(Reports.num(r.pin().lockAcctNs() / 1e9));
            row.add(Reports.num(r.totalLockWaitNs() / 1e9));
            rows.add(row);
            progress.step(GuestInitCommand.describe(c, ga));
        }
        progress.close();
        var out = out();
        out.printf("kemu compare: %s, %s, %s guest, %d prealloc threads, seed %d%n", p.name(), g.backing().cliName(),
                Sizes.format(g.memBytes()), g.preallocThreads(), o.machine.seed);
        out.print(Reports.table(List.of("approach", "pin s", "init s", "pin speedup", "init speedup", "wall s",
                "accounting s (sum)", "lock wait s (sum)"), rows));
        return 0;
    }
}
