package org.kemu.lab.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.kemu.lab.GuestInitResult;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.PinConfig;
import org.kemu.lab.PinMode;
import org.kemu.lab.Profiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(name = "compare", description = "One guest, every approach side by side (--padata-threads sets the thread"
        + " count of the threaded ones, --lock-cache-pages the cache).")
final class CompareCommand implements Callable<Integer> {
    @Mixin
    GuestOptions o;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    static List<PinConfig> approaches(int threads, long cache) {
        int n = Math.max(1, threads);
        long c = cache == 0 ? 65536 : cache;
        return List.of(PinConfig.serial(), new PinConfig(PinMode.PADATA, n, 0), new PinConfig(PinMode.PADATA, n, c),
                new PinConfig(PinMode.USER_THREADS, n, 0), new PinConfig(PinMode.USER_THREADS_UNLOCKED, n, 0),
                new PinConfig(PinMode.FOLIO_SERIAL, 1, 0), new PinConfig(PinMode.FOLIO_PADATA, n, c));
    }

    @Override
    public Integer call() {
        MachineProfile p = Profiles.load(o.profile);
        GuestSpec g = o.guest();
        List<List<String>> rows = new ArrayList<>();
        GuestInitResult base = null;
        var progress = org.kemu.lab.progress.Progress.start("compare", approaches(o.padataThreads, o.lockCachePages).size());
        for (PinConfig pc : approaches(o.padataThreads, o.lockCachePages)) {
            LabConfig c = LabConfig.of(o.seed, pc);
            GuestInitResult r = Lab.guestInit(p, c, g, KemuCli.observation(spec));
            if (base == null) {
                base = r;
            }
            List<String> row = new ArrayList<>(GuestInitCommand.row(GuestInitCommand.describe(c), r, base));
            row.add(Reports.num(r.pin().accountingNs() / 1e9));
            row.add(Reports.num(r.pin().lockWaitNs() / 1e9));
            rows.add(row);
            progress.step(GuestInitCommand.describe(c));
        }
        progress.close();
        var out = spec.commandLine().getOut();
        out.printf("kemu compare: %s, %s, %s guest, %d prealloc threads, seed %d%n", p.name(), g.backing().cliName(),
                Sizes.format(g.memBytes()), g.preallocThreads(), o.seed);
        out.print(Reports.table(List.of("approach", "pin s", "init s", "pin speedup", "init speedup", "wall s",
                "accounting s (sum)", "lock wait s (sum)"), rows));
        return 0;
    }
}
