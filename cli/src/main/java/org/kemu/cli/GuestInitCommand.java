package org.kemu.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kemu.lab.GuestInitResult;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Approach;
import org.kemu.lab.Profiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "guest-init", description = "Emulate a qemu guest init: the base (serial 5.14) pin and the chosen one.")
final class GuestInitCommand extends KemuCommand {
    @Mixin
    GuestOptions o;
    @Mixin
    LimitOptions limits;

    @Option(names = "--format", defaultValue = "table", description = "table, json or csv (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--no-baseline", description = "do not also run the serial base kernel")
    boolean noBaseline;

    @Override
    public Integer call() {
        if (!List.of("table", "json", "csv").contains(format)) {
            throw new IllegalArgumentException("--format must be table, json or csv, not '" + format + "'");
        }
        MachineProfile p = Profiles.load(o.machine.profile);
        GuestSpec g = o.guest();
        LabConfig c = limits.apply(o.config());
        var observation = observation().collectMetrics("json".equals(format));
        GuestInitResult r = Lab.guestInit(p, c, g, observation);
        boolean withBase = !noBaseline && Approach.of(c.pin(), g.mapDma()) != Approach.SERIAL;
        GuestSpec baseGuest = o.baselineGuest();
        GuestInitResult base = withBase ? Lab.guestInit(p, limits.apply(o.baseline()), baseGuest, observation) : null;
        var out = out();
        switch (format) {
            case "json" -> {
                Map<String, Object> m = Reports.json(p, c, g, r);
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
            case "csv" -> {
                out.println(String.join(",", Reports.CSV_COLUMNS));
                if (base != null) {
                    out.println(Reports.csv(Reports.csvRow(p, o.baseline(), baseGuest, base)));
                }
                out.println(Reports.csv(Reports.csvRow(p, c, g, r)));
            }
            default -> {
                out.printf("kemu guest-init: %s, %s, %s guest, %d prealloc threads, seed %d%n", p.name(),
                        g.backing().cliName(), Sizes.format(g.memBytes()), g.preallocThreads(), c.seed());
                List<List<String>> rows = new ArrayList<>();
                if (base != null) {
                    rows.add(row("serial 5.14 (base)", base, base));
                }
                rows.add(row(describe(c, g), r, base));
                out.print(Reports.table(List.of("kernel", "pin s", "init s", "pin speedup", "init speedup", "wall s"),
                        rows));
                if (!r.invariantViolations().isEmpty()) {
                    out.println("INVARIANT VIOLATIONS: " + r.invariantViolations());
                    return 1;
                }
            }
        }
        out.flush();
        return 0;
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

    static List<String> row(String name, GuestInitResult r, GuestInitResult base) {
        String ps = base == null ? "-" : String.format(java.util.Locale.ROOT, "%.1fx", base.pinNs() / (double) r.pinNs());
        String is = base == null ? "-" : String.format(java.util.Locale.ROOT, "%.1fx", base.initNs() / (double) r.initNs());
        return List.of(name, String.format(java.util.Locale.ROOT, "%.2f", r.pinSeconds()),
                String.format(java.util.Locale.ROOT, "%.2f", r.initSeconds()), ps, is,
                String.format(java.util.Locale.ROOT, "%.2f", r.wallNanos() / 1e9));
    }
}
