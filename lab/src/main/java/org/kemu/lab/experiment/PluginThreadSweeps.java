package org.kemu.lab.experiment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Profiles;
import org.kemu.lab.pluginhost.PluginRun;
import org.kemu.lab.pluginhost.PluginRunner;

/**
 * The thread-sweep experiments of the padata users the RFC's cover letter names as the next ones
 * (memory hotplug struct page init, munmap, {@code __ib_umem_release}): each plugin's job on the
 * calibrated intel-8167m at 1, 2, 4 ... threads, the speedup against its own 1-thread run. Nothing was
 * published for these jobs; the sweep shows what the emulated kernel path predicts, from the same
 * profile as the calibrated pin.
 */
public final class PluginThreadSweeps {
    /** The machine every sweep runs on: the calibrated Skylake-SP profile. */
    public static final String MACHINE = "intel-8167m";

    /** One sweep: a plugin, its fixed parameters per variant, the thread parameter, the counts, the used-threads metric. */
    public record Sweep(String experiment, String plugin, String threadParam, List<Integer> threads, String usedMetric,
            Map<String, Map<String, String>> variants, Map<String, Map<String, String>> quickVariants) {
    }

    private static final List<Integer> THREADS = List.of(1, 2, 4, 8, 16);

    public static final Sweep HOTPLUG = new Sweep("memory-hotplug-threads", "memory-hotplug-init", "threads",
            List.of(1, 2, 4, 8, 16, 26, 52), "tasks.used",
            variants(Map.of("size", "64G", "zone", "movable"), "64 GiB movable"),
            variants(Map.of("size", "4G", "zone", "movable"), "4 GiB movable"));
    public static final Sweep MUNMAP = new Sweep("munmap-threads", "munmap", "threads", THREADS, "threads.used",
            backings("16G"), backings("1G"));
    public static final Sweep IB_UMEM = new Sweep("ib-umem-release-threads", "ib-umem-release", "threads", THREADS,
            "threads.used", backings("16G"), backings("1G"));
    public static final List<Sweep> ALL = List.of(HOTPLUG, MUNMAP, IB_UMEM);

    private PluginThreadSweeps() {
    }

    /** The sweep of experiment {@code name}, or null. */
    public static Sweep byExperiment(String name) {
        for (Sweep s : ALL) {
            if (s.experiment().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** Runs {@code s} (its quick variants if {@code quick}) with {@code seed}: one plugin run per variant and thread count. */
    public static ExperimentTable run(PluginRunner runner, Sweep s, long seed, boolean quick) {
        MachineProfile p = Profiles.builtIn(MACHINE);
        ExperimentTable t = new ExperimentTable(List.of(ExperimentTable.col("case", "case"),
                ExperimentTable.col("threads", "max threads"), ExperimentTable.col("threads_used", "threads used"),
                ExperimentTable.col("job_ms", "job ms (virtual)"), ExperimentTable.ratio("speedup", "speedup")));
        for (var v : (quick ? s.quickVariants() : s.variants()).entrySet()) {
            Double base = null;
            for (int n : s.threads()) {
                Map<String, String> params = new LinkedHashMap<>(v.getValue());
                params.put(s.threadParam(), String.valueOf(n));
                PluginRun r = runner.run(s.plugin(), params, p, seed);
                double ms = r.result().virtualTimeNs() / 1e6;
                if (base == null) {
                    base = ms;
                }
                Number used = r.result().metrics().get(s.usedMetric());
                t.row(v.getKey(), n, used, ms, ms > 0 ? base / ms : null);
            }
        }
        return t.note("kemu run " + s.plugin() + " on " + MACHINE + " per row; speedup: the case's 1-thread job time over"
                + " the row's. Not a published experiment: the cover letter names these padata users as future work.");
    }

    private static Map<String, Map<String, String>> variants(Map<String, String> params, String label) {
        return Map.of(label, params);
    }

    private static Map<String, Map<String, String>> backings(String size) {
        Map<String, Map<String, String>> m = new LinkedHashMap<>();
        m.put("thp " + size, Map.of("size", size, "backing", "thp"));
        m.put("4k " + size, Map.of("size", size, "backing", "4k"));
        return m;
    }
}
