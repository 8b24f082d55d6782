package org.kemu.lab.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.pluginhost.PluginRun;
import org.kemu.lab.pluginhost.PluginRunner;

/**
 * The hugetlb boot-time allocation experiments through the hugetlb-boot-init plugin: Gang Li's 2024
 * series ("hugetlb: parallelize hugetlb page init on boot", v3-v6 cover letters: the unpatched
 * against patched test result and the max_threads multiplier study) and Thomas Prescher's 2025 thread
 * count study ("mm: hugetlb: improve parallel huge page allocation time"). The machines are derived
 * profiles ({@link DerivedProfiles}); the hugetlb pool sizes are not published per machine and are
 * the stated assumption of {@link #poolBytes}.
 */
public final class HugetlbBootExperiments {
    private static final long GIB = 1L << 30;
    private static final long MIB2 = 2L << 20;

    /** One row of the 2024 "Test result" table: its label, machine and page size. */
    public record Case(String label, String machine, String pageSize) {
    }

    /** The 2024 cover letter's test cases, in its order (1 GiB rows first, then 2 MiB). */
    public static final List<Case> PATCHED_CASES = List.of(
            new Case("256c2t(4 node) 1G", "amd-milan-256c-2t-nps2", "1G"),
            new Case("128c1t(2 node) 1G", "amd-7543-128c-1t", "1G"),
            new Case("12t 1G", "intel-8280l-12t", "1G"),
            new Case("256c2t(4 node) 2M", "amd-milan-256c-2t-nps2", "2M"),
            new Case("128c1t(2 node) 2M", "amd-7543-128c-1t", "2M"));
    /** The multiplier study's machines (rows), in the cover letter's order. */
    public static final Map<String, String> MULTIPLIER_MACHINES = orderedMap("256G 2node", "amd-7543-256g",
            "2T 4node", "amd-milan-256c-2t-nps2", "50G 2node", "amd-7543-50g");
    public static final List<Integer> MULTIPLIERS = List.of(1, 2, 3, 4, 5);
    /** The 2025 study's machines (rows) and thread counts (columns). */
    public static final Map<String, String> THREADS_2025_MACHINES = orderedMap("skylake 144 cpus", "intel-6140-144c",
            "cascade lake 192 cpus", "intel-8260-192c");
    public static final List<Integer> THREADS_2025 = List.of(8, 16, 32, 64, 128);

    private HugetlbBootExperiments() {
    }

    /**
     * The hugetlb pool a row allocates (an assumption; the series publishes no per-machine
     * {@code hugepages=}): the 12 TiB host's 11,776 1 GiB pages, which the 2024 cover letter names;
     * every other machine the share of memory of the cover letter's "2TB system, initializing 1,800
     * 1GB huge pages" (1800/2048), whole pages per node. {@code scale} shrinks it for a quick run.
     */
    static long poolBytes(MachineProfile p, String pageSize, double scale) {
        long page = pageSize.equals("1G") ? GIB : MIB2;
        int nodes = p.topology().nodes();
        long perNode = p.name().equals("intel-8280l-12t") ? 11_776 * GIB / nodes
                : p.topology().memoryPerNodeBytes() / 2048 * 1800;
        long pagesPerNode = Math.max(1, (long) Math.floor(perNode * scale / page));
        return pagesPerNode * nodes * page;
    }

    /**
     * 2024 "Test result": each case run with the kernel before the series (mode=serial) and with it
     * (mode=padata: 2 MiB max_threads = nodes x 2, 1 GiB one unit per node); times in ms of virtual time.
     */
    public static ExperimentTable patched2024(PluginRunner runner, long seed, double scale) {
        checkScale(scale);
        ExperimentTable t = new ExperimentTable(List.of(ExperimentTable.col("test", "test"),
                ExperimentTable.col("machine", "machine"), ExperimentTable.col("pool_gib", "pool GiB"),
                ExperimentTable.col("no_patch_ms", "no patch ms (virtual)"),
                ExperimentTable.col("patched_ms", "patched ms (virtual)"), ExperimentTable.col("saved_percent", "saved %")));
        for (Case c : PATCHED_CASES) {
            MachineProfile p = DerivedProfiles.load(c.machine());
            long pool = poolBytes(p, c.pageSize(), scale);
            double before = ms(run(runner, p, seed, c.pageSize(), pool, Map.of("mode", "serial")));
            double after = ms(run(runner, p, seed, c.pageSize(), pool, Map.of()));
            t.row(c.label(), c.machine(), pool / (double) GIB, before, after, 100 * (1 - after / before));
        }
        return t.note("no patch: the kernel before the series (5.14's hugetlb_hstate_alloc_pages: 2 MiB pages"
                + " allocated and prepped one by one on the boot CPU; 1 GiB bootmem pages gathered by"
                + " gather_bootmem_prealloc on the boot CPU). patched: numa-aware padata, 2 MiB max_threads ="
                + " nodes x 2, 1 GiB one unit per node. " + poolNote(scale));
    }

    /** 2024 max_threads study: 2 MiB pages, max_threads = nodes x multiplier, ms of virtual time. */
    public static ExperimentTable multiplier2024(PluginRunner runner, long seed, double scale) {
        checkScale(scale);
        List<ExperimentTable.Column> cols = new ArrayList<>(List.of(ExperimentTable.col("machine", "multiplier"),
                ExperimentTable.col("profile", "profile")));
        for (int m : MULTIPLIERS) {
            cols.add(ExperimentTable.col("x" + m + "_ms", m + " ms (virtual)"));
        }
        ExperimentTable t = new ExperimentTable(cols);
        for (var e : MULTIPLIER_MACHINES.entrySet()) {
            MachineProfile p = DerivedProfiles.load(e.getValue());
            long pool = poolBytes(p, "2M", scale);
            List<Object> row = new ArrayList<>(List.of(e.getKey(), e.getValue()));
            for (int m : MULTIPLIERS) {
                row.add(ms(run(runner, p, seed, "2M", pool, Map.of("multiplier", String.valueOf(m)))));
            }
            t.row(row.toArray());
        }
        return t.note("2 MiB pages (the multiplier sizes only the 2 MiB job; 1 GiB pages are gathered one unit"
                + " per node). max_threads = nodes x multiplier and min_chunk = pages / nodes / multiplier. "
                + poolNote(scale));
    }

    /** 2025: 2 MiB pages with hugepage_alloc_threads= 8..128 (min_chunk = pages / threads), s of virtual time. */
    public static ExperimentTable threads2025(PluginRunner runner, long seed, double scale) {
        checkScale(scale);
        List<ExperimentTable.Column> cols = new ArrayList<>(List.of(ExperimentTable.col("machine", "threads"),
                ExperimentTable.col("profile", "profile")));
        for (int n : THREADS_2025) {
            cols.add(ExperimentTable.col("t" + n + "_seconds", n + " s (virtual)"));
        }
        ExperimentTable t = new ExperimentTable(cols);
        for (var e : THREADS_2025_MACHINES.entrySet()) {
            MachineProfile p = DerivedProfiles.load(e.getValue());
            long pool = poolBytes(p, "2M", scale);
            List<Object> row = new ArrayList<>(List.of(e.getKey(), e.getValue()));
            for (int n : THREADS_2025) {
                row.add(run(runner, p, seed, "2M", pool, Map.of("thread-rule", "quarter-hw", "threads",
                        String.valueOf(n))) / 1e9);
            }
            t.row(row.toArray());
        }
        return t.note("2 MiB pages (hugepage_alloc_threads= applies to non-gigantic pages only), threads ="
                + " hugepage_alloc_threads=, min_chunk = pages / threads. " + poolNote(scale));
    }

    private static long run(PluginRunner runner, MachineProfile p, long seed, String pageSize, long pool,
            Map<String, String> extra) {
        Map<String, String> params = new LinkedHashMap<>(extra);
        params.put("page-size", pageSize);
        params.put("size", String.valueOf(pool));
        PluginRun r = runner.run("hugetlb-boot-init", params, p, seed);
        long want = pool / (pageSize.equals("1G") ? GIB : MIB2);
        long got = r.result().metrics().get("pages.allocated").longValue();
        if (got != want) {
            // boot allocation stops short silently; a short pool would time a different job
            throw new IllegalStateException("hugetlb-boot-init on " + p.name() + " allocated " + got + " of " + want
                    + " " + pageSize + " pages");
        }
        return r.result().virtualTimeNs();
    }

    private static String poolNote(double scale) {
        return "Pool (assumed, not published): the 12 TiB host 11,776 GiB (the cover letter's figure), every other"
                + " machine 1800/2048 of its memory (the cover letter's 2 TB system with 1,800 1 GiB pages)"
                + (scale < 1 ? ", scaled by " + scale + " (--quick)" : "") + ". Machines: derived profiles with"
                + " assumed parts (docs/experiments.md).";
    }

    private static double ms(long ns) {
        return ns / 1e6;
    }

    private static void checkScale(double scale) {
        if (!(scale > 0 && scale <= 1)) {
            throw new IllegalArgumentException("scale must be in (0, 1], got " + scale);
        }
    }

    private static Map<String, String> orderedMap(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
