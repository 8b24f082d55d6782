package org.kemu.lab.experiment;

import java.util.List;
import java.util.Map;
import org.kemu.lab.Backing;
import org.kemu.lab.GuestInitResult;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Profiles;
import org.kemu.lab.experiment.NiceExperiment.Nicing;
import org.kemu.lab.experiment.NiceExperiment.Run;
import org.kemu.lab.experiment.NiceExperiment.Runtimes;
import org.kemu.lab.experiment.NiceExperiment.Setup;
import org.kemu.lab.pluginhost.PluginRun;
import org.kemu.lab.pluginhost.PluginRunner;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.PinLocking;

/**
 * The catalogue of {@code kemu experiment} and the runners of every experiment but patch 8's sweep
 * (which the CLI runs through {@code kemu sweep}). Setups are docs/calibration-inputs.md's "Experiments whose
 * setup is public"; every runner is a pure function of its arguments and the seed.
 */
public final class Experiments {
    private static final long GIB = 1L << 30;
    private static final long MS = 1_000_000;

    public static final List<Experiment> ALL = List.of(
            new Experiment("patch8-sweep", "patch 8 (2022): padata threads x locked_vm cache sweep of the VFIO pin",
                    "intel-8167m and amd-7j13 (calibrated)",
                    "machine x backing (hugetlb, thp) x prealloc (0, 16) x guest GiB (intel 16/128/360, amd 16/128/980)"
                            + " x locked_vm cache pages (0, 32768, 65536, 131072) x padata threads (1, 8, 16, 24, 32)",
                    List.of("pin s", "pin speedup", "init s", "init speedup"),
                    "full: about 480 guest inits, about 6 minutes on 2 cores; one machine, backing and size (--machine --backing --mem): minutes; subset with --machine/--backing/--prealloc/--mem/--threads/--cache"),
            new Experiment("patch13-nice", "patch 13 (2022): helpers at MAX_NICE vs a competing load",
                    "8 CPUs (cores 0-7 of node 0) of intel-8167m",
                    "(a) padata_test 8 threads vs stress-ng 7 workers started after; (b) padata_vfio 8-thread pin of"
                            + " 175 GiB vs usemem 7 x 25 GiB THP; each: helpers normal, helpers MAX_NICE, load alone",
                    List.of("padata job s", "competing load s"), "full: seconds (3 s on 2 cores); --quick: seconds"),
            new Experiment("patch14-nice-one-by-one", "patch 14 (2022): renicing helpers one by one",
                    "8 CPUs (cores 0-7 of node 0) of intel-8167m",
                    "(a) padata_test vs stress-ng -c 8 started first; (b) 32 GiB pin vs usemem 8 x 86 GiB THP;"
                            + " each: 8 threads without nicing, 8 threads one-by-one nicing, 1 thread, load alone",
                    List.of("padata job s", "competing load s"), "full: seconds (5 s on 2 cores); --quick: seconds"),
            new Experiment("ktask-2018", "ktask v4 (2018): qemu start to guest boot, 320 GiB THP guest",
                    "intel-8160 (derived: Xeon Platinum 8160, 2 x 24 x 2, 2.10 GHz, 754 GiB)",
                    "threads 1, 2, 3, 4, 5, 6, 7, 8, 12, 16",
                    List.of("stage (i) s", "stage (ii) s", "stage (iii) s"),
                    "full: 30 guest inits of 320 GiB, under a minute (19 s on 2 cores); --quick: 1 and 16 threads, seconds"),
            new Experiment("deferred-init-2020", "padata deferred struct page init (2020)",
                    "intel-8167m; derived: E5-2699C v4 VM, E5-2699 v3, EPYC 7551 VM, EPYC 7551 VM 4 CPUs,"
                            + " E5-2699 v3 VM 4 CPUs",
                    "machine x threads as a share of the node's CPUs (2, 12, 25, 37, 50, 75, 100 %)",
                    List.of("threads", "deferred init ms", "boot s"), "full: 42 plugin runs, seconds (2 s on 2 cores); --quick: the 4-CPU EPYC guest, seconds"),
            new Experiment("hugetlb-boot-2024", "hugetlb boot page init (2024, Gang Li): the kernel before the series"
                    + " against numa-aware padata", "derived: 256-CPU 2 TiB 4-node (EPYC 7J13-class, NPS2), 128-CPU"
                    + " 1 TiB 2-node (EPYC 7543), 12 TiB host (8 x Xeon 8280L); parts assumed",
                    "256c2t(4 node) 1G, 128c1t(2 node) 1G, 12t 1G, 256c2t(4 node) 2M, 128c1t(2 node) 2M",
                    List.of("no patch ms", "patched ms", "saved %"),
                    "full: 10 plugin runs, seconds; --quick (pools / 32): seconds"),
            new Experiment("hugetlb-boot-2024-multiplier", "hugetlb boot page init (2024): max_threads = nodes x"
                    + " multiplier study, 2 MiB pages", "derived: 256 GiB 2-node and 50 GiB 2-node (EPYC 7543"
                    + " platform), 2 TiB 4-node (EPYC 7J13-class, NPS2); parts assumed",
                    "256G 2node, 2T 4node, 50G 2node", List.of("multiplier 1, 2, 3, 4, 5 ms"),
                    "full: 15 plugin runs, seconds; --quick (pools / 32): seconds"),
            new Experiment("hugetlb-boot-2025", "hugetlb boot allocation thread count (2025, Thomas Prescher),"
                    + " 2 MiB pages", "derived: 144-CPU Skylake (4 x Xeon Gold 6140), 192-CPU Cascade Lake"
                    + " (4 x Xeon Platinum 8260), 1.5 TiB each; parts and memory assumed",
                    "skylake 144 cpus, cascade lake 192 cpus", List.of("threads 8, 16, 32, 64, 128 s"),
                    "full: 10 plugin runs, seconds; --quick (pools / 32): seconds"),
            new Experiment("memory-hotplug-threads", "thread sweep of memory-hotplug struct page init (online_pages"
                    + " with section-aligned padata chunks; a padata user the RFC names, nothing published)",
                    "intel-8167m (calibrated)", "64 GiB onlined movable on node 0 x max threads 1, 2, 4, 8, 16, 26, 52",
                    List.of("threads used", "job ms", "speedup"), "full: 7 plugin runs, seconds; --quick: 4 GiB"),
            new Experiment("munmap-threads", "thread sweep of multithreaded munmap (zap_page_range per padata chunk;"
                    + " a padata user the RFC names, nothing published)", "intel-8167m (calibrated)",
                    "16 GiB populated THP and 4 KiB x max threads 1, 2, 4, 8, 16",
                    List.of("threads used", "job ms", "speedup"), "full: 10 plugin runs, seconds; --quick: 1 GiB"),
            new Experiment("ib-umem-release-threads", "thread sweep of __ib_umem_release (unpin_user_page_range_dirty_lock"
                    + " per sg segment in padata chunks; a padata user the RFC names, nothing published)",
                    "intel-8167m (calibrated)", "16 GiB pinned THP and 4 KiB memory region x max threads 1, 2, 4, 8, 16",
                    List.of("threads used", "job ms", "speedup"), "full: 10 plugin runs, seconds; --quick: 1 GiB"));

    private Experiments() {
    }

    /** The experiment called {@code name}; IllegalArgumentException naming the known ones otherwise. */
    public static Experiment byName(String name) {
        for (Experiment e : ALL) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown experiment '" + name + "' (known: "
                + String.join(", ", ALL.stream().map(Experiment::name).toList()) + ")");
    }

    /**
     * Patch 13: {@code scale} (0 < scale <= 1) shrinks every size and CPU amount alike, for a quick run.
     * The workload sizes are assumptions, not published (docs/experiments.md): padata_test 8 CPU-s of
     * multiplies, one ackermann op of stress-ng 10 ms (1200 ops = 12 s per worker).
     */
    public static ExperimentTable patch13(long seed, double scale) {
        MachineProfile p = Profiles.builtIn("intel-8167m");
        ExperimentTable t = niceTable();
        Setup a = new Setup(false, false, 7, scaled(8_000 * MS, scale), scaled(1200 * 10 * MS, scale), 0, 0);
        Setup b = new Setup(true, false, 7, 0, 0, scaledBytes(175 * GIB, scale), scaledBytes(25 * GIB, scale));
        for (var c : List.of(Map.entry("a", a), Map.entry("b", b))) {
            row(t, p, seed, c.getKey(), c.getValue(), "helpers normal priority", new Run(true, true, 8, Nicing.NORMAL));
            row(t, p, seed, c.getKey(), c.getValue(), "helpers MAX_NICE", new Run(true, true, 8, Nicing.MAX_NICE));
            row(t, p, seed, c.getKey(), c.getValue(), "competing load alone", new Run(false, true, 8, Nicing.NORMAL));
        }
        return t.note("padata_test: " + secs(a.jobWorkNs()) + " CPU-s; stress-ng: " + secs(a.loadWorkNs())
                + " CPU-s per worker; padata_vfio: " + gib(b.guestBytes()) + " GiB unfaulted THP; usemem: "
                + gib(b.loadBytes()) + " GiB THP per thread at PAGE_SIZE stride. Competing load started 1 ms after the job.");
    }

    /** Patch 14: as {@link #patch13}, the load started first on all 8 CPUs. */
    public static ExperimentTable patch14(long seed, double scale) {
        MachineProfile p = Profiles.builtIn("intel-8167m");
        ExperimentTable t = niceTable();
        Setup a = new Setup(false, true, 8, scaled(8_000 * MS, scale), scaled(1200 * 10 * MS, scale), 0, 0);
        Setup b = new Setup(true, true, 8, 0, 0, scaledBytes(32 * GIB, scale), scaledBytes(86 * GIB, scale));
        for (var c : List.of(Map.entry("a", a), Map.entry("b", b))) {
            row(t, p, seed, c.getKey(), c.getValue(), "8 threads, no nicing", new Run(true, true, 8, Nicing.NORMAL));
            row(t, p, seed, c.getKey(), c.getValue(), "8 threads, one-by-one nicing",
                    new Run(true, true, 8, Nicing.ONE_BY_ONE));
            row(t, p, seed, c.getKey(), c.getValue(), "1 thread", new Run(true, true, 1, Nicing.NORMAL));
            row(t, p, seed, c.getKey(), c.getValue(), "competing load alone", new Run(false, true, 8, Nicing.NORMAL));
        }
        return t.note("padata_test: " + secs(a.jobWorkNs()) + " CPU-s; stress-ng -c 8: " + secs(a.loadWorkNs())
                + " CPU-s per worker; pin: " + gib(b.guestBytes()) + " GiB unfaulted THP; usemem: "
                + gib(b.loadBytes()) + " GiB THP per thread. The competing load starts 1 ms before the job."
                + " One-by-one nicing is padata-core's RENICE_ONE_BY_ONE (patch 14) over HELPERS_MAX_NICE (patch 13).");
    }

    /**
     * ktask 2018 on the derived Xeon 8160 profile, qemu start to the end of guest init (boot start),
     * padata pin with no locked_vm cache (the cache is the 2022 series' patch 8) at the series' three
     * stages ({@link PinLocking}): (i) v4 06/13, every contiguous run charging locked_vm under
     * mmap_lock for write; (ii) v4 07-08/13, locked_vm an atomic64 and no writer; (iii) v4 09/13, as
     * (ii) with the read lock held across each run instead of retaken per GUP batch.
     */
    public static ExperimentTable ktask2018(long seed, List<Integer> threads) {
        return ktask2018(seed, threads, KTASK_GUEST_BYTES);
    }

    /** The 2018 series' guest: 320 GiB of THP, which fits in one node of the 8160. */
    public static final long KTASK_GUEST_BYTES = 320 * GIB;

    /** {@link #ktask2018(long, List)} with another guest size (tests use a small one). */
    public static ExperimentTable ktask2018(long seed, List<Integer> threads, long guestBytes) {
        MachineProfile p = DerivedProfiles.load("intel-8160");
        ExperimentTable t = new ExperimentTable(List.of(ExperimentTable.col("threads", "threads"),
                ExperimentTable.col("stage_i_seconds", "(i) locked_vm under mmap_sem write s (virtual)"),
                ExperimentTable.col("stage_ii_seconds", "(ii) atomic locked_vm s (virtual)"),
                ExperimentTable.col("stage_iii_seconds", "(iii) atomic + read lock per run s (virtual)")));
        GuestSpec g = new GuestSpec(Backing.THP, guestBytes, 0);
        for (int n : threads) {
            if (n < 1 || n > PinConfig.VFIO_MAX_THREADS) {
                throw new IllegalArgumentException("ktask-2018 threads must be 1.." + PinConfig.VFIO_MAX_THREADS + ": " + n);
            }
            PinConfig pin = PinConfig.padata(n).withLockCachePages(0);
            List<Object> row = new java.util.ArrayList<>(List.of(n));
            for (PinLocking stage : PinLocking.values()) {
                row.add(Lab.guestInit(p, LabConfig.of(seed, pin.withLocking(stage)), g).initSeconds());
            }
            t.row(row.toArray());
        }
        return t.note("qemu invocation to guest boot start = kemu's qemu init (no prealloc). Chunks: padata's"
                + " size / threads / 4, at least 128 MiB (PinConfig.VFIO_MIN_CHUNK); no locked_vm cache. Stages:"
                + " vfio-type1's PinLocking MMAP_WRITE_ACCT (i), ATOMIC_LOCKED_VM (ii), ATOMIC_LOCKED_VM_READ_HELD (iii).");
    }

    /** The shares of the node's CPUs of the 2020 deferred-init runs. */
    public static final List<Integer> DEFERRED_SHARES_PERCENT = List.of(2, 12, 25, 37, 50, 75, 100);
    /** The machines of the 2020 deferred-init runs. */
    public static final List<String> DEFERRED_MACHINES = List.of("intel-8167m", "intel-e5-2699cv4-vm",
            "intel-e5-2699v3", "amd-7551-vm", "amd-7551-vm4", "intel-e5-2699v3-vm4");

    /** Deferred page init 2020 through the deferred-page-init plugin (helpers on the node's CPUs). */
    public static ExperimentTable deferredInit2020(PluginRunner runner, long seed, List<String> machines) {
        ExperimentTable t = new ExperimentTable(List.of(ExperimentTable.col("machine", "machine"),
                ExperimentTable.col("share_percent", "share of node CPUs %"), ExperimentTable.col("threads", "threads"),
                ExperimentTable.col("deferred_init_ms", "slowest node's deferred init ms (virtual)"),
                ExperimentTable.col("boot_seconds", "boot s (virtual)")));
        for (String m : machines) {
            MachineProfile p = DerivedProfiles.load(m);
            int nodeCpus = p.topology().coresPerNode() * p.topology().threadsPerCore();
            for (int share : DEFERRED_SHARES_PERCENT) {
                int n = Math.max(1, (int) Math.round(nodeCpus * share / 100.0));
                PluginRun r = runner.run("deferred-page-init", Map.of("max-threads", String.valueOf(n)), p, seed);
                t.row(m, share, n, r.result().virtualTimeNs() / 1e6, null);
            }
        }
        return t.note("threads: the share of the node's CPUs, rounded, at least 1 (padata max_threads per node)."
                + " boot: the rest of kernel boot is not modelled (n/a).");
    }

    private static void row(ExperimentTable t, MachineProfile p, long seed, String c, Setup s, String label, Run r) {
        Runtimes x = NiceExperiment.run(p, seed, s, r);
        t.row(c, label, x.jobNs() < 0 ? null : x.jobNs() / 1e9, x.loadNs() < 0 ? null : x.loadNs() / 1e9);
    }

    private static ExperimentTable niceTable() {
        return new ExperimentTable(List.of(ExperimentTable.col("case", "case"), ExperimentTable.col("run", "run"),
                ExperimentTable.col("job_seconds", "padata job s (virtual)"),
                ExperimentTable.col("load_seconds", "competing load s (virtual)")));
    }

    private static long scaled(long ns, double scale) {
        checkScale(scale);
        return Math.max(1000, Math.round(ns * scale));
    }

    /** Sizes scale in whole 2 MiB huge pages. */
    private static long scaledBytes(long b, double scale) {
        checkScale(scale);
        return Math.max(2L << 20, Math.round(b * scale / (2L << 20)) * (2L << 20));
    }

    private static void checkScale(double scale) {
        if (!(scale > 0 && scale <= 1)) {
            throw new IllegalArgumentException("scale must be in (0, 1], got " + scale);
        }
    }

    private static String secs(long ns) {
        return String.valueOf(ns / 1e9);
    }

    private static String gib(long b) {
        return String.valueOf(b / (double) GIB);
    }

}
