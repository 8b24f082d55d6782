package org.kemu.lab.calibrate;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.kemu.lab.Backing;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.QemuCosts;
import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.MmCosts;
import org.kemu.padatacore.PadataCosts;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.MemoryBandwidth;
import org.kemu.schedfair.RuntimeCosts;
import org.kemu.schedfair.TaskSpec;
import org.kemu.schedfair.Topology;
import org.kemu.vfiotype1.IommuCosts;
import org.kemu.vfiotype1.Type1Costs;

/**
 * The closed-form part of the fit (docs/calibration.md, "Method"): each physical effect gets one
 * constant per machine, taken from the cells that isolate it, by least squares over those cells.
 * The one effect without a closed form (locked_vm write-lock contention) is fitted afterwards by
 * {@link Calibrator} on the emulator itself.
 */
public final class ProfileFitter {
    static final double PAGES_PER_GIB = 262144;
    static final double GIB = 1L << 30;
    /** The profile fact: 512 pages per GUP call instead of 1 made the serial pin about 8% faster. */
    static final double BATCHING_GAIN = 0.08;
    /** Share of the per-call overhead that is GUP's own (the rest is VFIO's batch refill). */
    static final double GUP_SHARE_OF_CALL = 0.7;
    /** Present-page pin cost split: GUP walk+grab, page array, VFIO's per-page loop. */
    static final double GUP_PAGE_SHARE = 0.45;
    static final double PAGE_ARRAY_SHARE = 0.10;
    static final int PREALLOC_THREADS = 16;

    private ProfileFitter() {
    }

    /** The fitted constants of one machine before the emulator-based step. */
    public record Fit(double presentPageNs, double thpPresentPageNs, double noPreallocPageNs, double perCoreBps,
            double nodeBps, double initFixedNs, double initPerGiBNs, double thpPreallocFolioNs, double callNs) {
    }

    /**
     * Machine facts (docs/calibration-inputs.md, "Machines"; the LLC: one L3 per Skylake-SP socket,
     * one 8-core CCX per Zen 3 L3): not fitted.
     */
    static Topology topology(String machine) {
        return machine.equals(CalibrationInputs.INTEL) ? new Topology(2, 26, 2, 384L << 30, 26)
                : new Topology(2, 64, 2, 1024L << 30, 8);
    }

    /**
     * How many of {@code threads} padata threads the scheduler keeps on the busiest node, averaged over
     * {@code durationNs}: the emulator's own placement (5.14 fork balancing, then nohz idle balancing
     * with the NUMA imbalance allowance) of a main kthread that forks {@code threads - 1} CPU-bound
     * helpers and works beside them, read from the per-CPU busy time of that run.
     */
    static double threadsOnBusiestNode(Topology topo, int threads, long durationNs) {
        Kernel k = Kernels.simulated(KernelConfig.of(new MachineSpec("placement", topo,
                new MemoryBandwidth(1e12, 1e12), RuntimeCosts.FREE), 1));
        long piece = 1_000_000L;
        k.spawn(TaskSpec.kthread("main"), () -> {
            for (int i = 1; i < threads; i++) {
                k.spawn(TaskSpec.kthread("padata" + i), () -> {
                    while (k.now() < durationNs) {
                        k.work(piece);
                    }
                });
            }
            while (k.now() < durationNs) {
                k.work(piece);
            }
        });
        long[] busy = k.run().cpuBusyNs();
        double[] perNode = new double[topo.nodes()];
        for (int c = 0; c < busy.length; c++) {
            perNode[topo.nodeOf(c)] += busy[c];
        }
        double max = 0;
        for (double b : perNode) {
            max = Math.max(max, b);
        }
        return max / Math.max(1, k.now());
    }

    static String description(String machine) {
        return machine.equals(CalibrationInputs.INTEL)
                ? "Intel Xeon Platinum 8167M (Skylake-SP), 2 nodes x 26 cores x 2 SMT, 2.00 GHz, 384 GiB per node"
                : "AMD EPYC 7J13 (Milan), 2 nodes x 64 cores x 2 SMT, 2.50 GHz, about 1 TiB per node";
    }

    /** Least-squares slope through the origin of y against x over the cells. */
    static double slope(List<CalibrationCell> cells, ToDoubleFunction<CalibrationCell> x,
            ToDoubleFunction<CalibrationCell> y) {
        double sxy = 0;
        double sxx = 0;
        for (CalibrationCell c : cells) {
            sxy += x.applyAsDouble(c) * y.applyAsDouble(c);
            sxx += x.applyAsDouble(c) * x.applyAsDouble(c);
        }
        return sxy / sxx;
    }

    public static Fit fit(String machine) {
        List<CalibrationCell> base = CalibrationInputs.of(machine, CalibrationInputs.BASE);
        List<CalibrationCell> hugePre = base.stream().filter(c -> c.backing() == Backing.HUGETLB
                && c.preallocThreads() > 0).toList();
        List<CalibrationCell> thpPre = base.stream().filter(c -> c.backing() == Backing.THP
                && c.preallocThreads() > 0).toList();
        List<CalibrationCell> hugeNo = base.stream().filter(c -> c.backing() == Backing.HUGETLB
                && c.preallocThreads() == 0).toList();
        List<CalibrationCell> noPre = base.stream().filter(c -> c.preallocThreads() == 0).toList();
        // 1. present hugetlb pages: everything per page but faulting and clearing
        double present = slope(hugePre, c -> c.gib() * PAGES_PER_GIB, c -> c.pinS() * 1e9);
        // 2. present THP pages: 5.14's per-page walk of a THP on top
        double thpPresent = slope(thpPre, c -> c.gib() * PAGES_PER_GIB, c -> c.pinS() * 1e9);
        // 3. absent hugetlb pages: the pin also faults and clears; clearing streams at one core's bandwidth
        double noPrealloc = slope(hugeNo, c -> c.gib() * PAGES_PER_GIB, c -> c.pinS() * 1e9);
        double perCore = 4096e9 / (noPrealloc - present);
        // the 8% fact: with one page per call every page pays the call overhead
        double callNs = (noPrealloc / (1 - BATCHING_GAIN) - noPrealloc) / (1 - 1.0 / 512);
        // 4. qemu's other setup: init minus pin of the no-prealloc cells, a + b * GiB
        double[] ab = linear(noPre, c -> c.gib(), c -> (c.initS() - c.pinS()) * 1e9);
        // 5. node bandwidth: the 16-thread cached pin streams 16 clears at once
        CalibrationCell mt = CalibrationInputs.of(machine, CalibrationInputs.MULTITHREADED).stream()
                .filter(c -> c.padataThreads() == 16 && c.lockCachePages() > 0).findFirst().orElseThrow();
        double perThreadPageNs = mt.pinS() * 1e9 * mt.padataThreads() / (mt.gib() * PAGES_PER_GIB);
        double perThreadBps = 4096e9 / Math.max(1, perThreadPageNs - present);
        // the busiest node streams the clears of the threads the scheduler keeps there (not all 16:
        // load balancing moves some to the other node while the pin runs)
        double onBusiest = threadsOnBusiestNode(topology(machine), mt.padataThreads(), Math.round(mt.pinS() * 1e9));
        double nodeBps = Math.min(perThreadBps * onBusiest, perCore * mt.padataThreads());
        // 6. THP prealloc: what is left of init once pin, qemu's setup and the 16 threads' clearing are removed
        double clear16PerGiB = GIB / Math.min(nodeBps, perCore * PREALLOC_THREADS) * 1e9;
        double thpFolio = slope(thpPre, c -> c.gib() * 512.0,
                c -> c.initS() * 1e9 - c.pinS() * 1e9 - ab[0] - ab[1] * c.gib() - clear16PerGiB * c.gib());
        return new Fit(present, thpPresent, noPrealloc, perCore, nodeBps, ab[0], ab[1], Math.max(0, thpFolio), callNs);
    }

    /** Least-squares a + b x. */
    static double[] linear(List<CalibrationCell> cells, ToDoubleFunction<CalibrationCell> x,
            ToDoubleFunction<CalibrationCell> y) {
        double n = cells.size();
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (CalibrationCell c : cells) {
            double xi = x.applyAsDouble(c);
            double yi = y.applyAsDouble(c);
            sx += xi;
            sy += yi;
            sxx += xi * xi;
            sxy += xi * yi;
        }
        double b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        double a = (sy - b * sx) / n;
        if (a < 0) {
            return new double[] {0, sxy / sxx};
        }
        return new double[] {a, Math.max(0, b)};
    }

    /** Assumed CPU time of one {@code vfio_lock_acct} body under the write lock (rlimit check, counter update). */
    static final long LOCK_ACCT_NS = 300;
    /** Assumed vfio-type1 costs the calibration inputs do not identify (order of magnitude of the code paths). */
    static final long VFIO_DMA_ALLOC_NS = 300;
    static final long BATCH_INIT_NS = 200;
    static final long RUN_NS = 50;
    static final long CONTIG_STEP_NS = 20;
    static final long CONTIG_SCAN_PAGE_NS = 1;
    static final long UNPIN_CALL_NS = 100;
    static final long PUT_PFN_PAGE_NS = 10;
    static final long IOVA_TO_PHYS_PAGE_NS = 15;
    static final long CHUNK_NS = 500;

    /**
     * The profile of {@code machine} from the fit, with the wake-up latency of a sleeping task
     * ({@code RuntimeCosts.contextSwitchNs}, fitted on the emulator by {@link Calibrator}) given.
     */
    public static MachineProfile profile(String machine, Fit f, long contextSwitchNs) {
        long lockAcctNs = LOCK_ACCT_NS;
        Map<String, String> src = new TreeMap<>();
        String assumed = "assumed: typical of this class of machine; not identified by the calibration inputs";
        Topology topo = topology(machine);
        src.put("topology.nodes", "docs/calibration-inputs.md Machines");
        src.put("topology.coresPerNode", "docs/calibration-inputs.md Machines");
        src.put("topology.threadsPerCore", "docs/calibration-inputs.md Machines");
        src.put("topology.memoryPerNodeBytes", "docs/calibration-inputs.md Machines");
        src.put("topology.coresPerLlc", machine.equals(CalibrationInputs.INTEL)
                ? "Skylake-SP: one L3 (1.375 MiB per core, non-inclusive, on the mesh) shared by all cores of the"
                        + " socket (Intel 64 and IA-32 Architectures Optimization Reference Manual, Skylake Server"
                        + " microarchitecture); Linux's MC domain spans the socket"
                : "AMD EPYC 7003 (Zen 3, Milan): each CCD is one 8-core CCX whose cores share its 32 MiB L3 (AMD,"
                        + " 'AMD EPYC 7003 Series Processors' product brief and Zen 3 architecture disclosure, 2021);"
                        + " Linux's MC domain spans the L3's shared_cpu_map");
        MemoryBandwidth bw = new MemoryBandwidth(Math.round(f.nodeBps()), Math.round(f.perCoreBps()));
        src.put("bandwidth.perCoreBytesPerSec", "fit step 3: 4 KiB / (no-prealloc hugetlb pin per page - present-page pin"
                + " per page), least squares over the 3 no-prealloc hugetlb base cells");
        src.put("bandwidth.nodeBytesPerSec", "fit step 5: the 16-thread pin with locked_vm cache (input 2) streams the"
                + " clears of the threads the emulator's 5.14 load balancer keeps on the busiest node (time average)");
        RuntimeCosts rt = new RuntimeCosts(contextSwitchNs, 20, 100, 250, 50_000);
        src.put("runtime.contextSwitchNs", "fit step 8 (emulated): switching to a woken task, idle-state exit included;"
                + " from input 2's 16-thread pins without vs with the locked_vm cache, where every 2 MiB run's"
                + " mmap write lock puts the pinning threads to sleep and wakes them");
        for (String k : List.of("lockAcquireNs", "cacheLineTransferNs", "remoteCacheLineTransferNs",
                "kthreadCreateNs")) {
            src.put("runtime." + k, assumed);
        }
        MmCosts mm = new MmCosts(500, 1000, 100, 2000, 0, 20, 30, 200, 1000, 2000);
        for (String k : List.of("faultNs", "hugeFaultNs", "allocPageNs", "allocFolioNs", "ptlInstallPageNs", "zapPageNs",
                "zapFolioNs", "migratePageNs", "hugetlbPoolAllocNs")) {
            src.put("mm." + k, assumed);
        }
        src.put("mm.clearPageNs", "0: clearing is bandwidth-bound (78.6% of cycles in clear_page_erms, docs/calibration-inputs.md"
                + " profile facts); its time comes from bandwidth.perCoreBytesPerSec");
        long call = Math.round(f.callNs() * GUP_SHARE_OF_CALL);
        long refill = Math.round(f.callNs() * (1 - GUP_SHARE_OF_CALL));
        IommuCosts io = IommuCosts.of(300, Map.of(4096L, 20L, 2L << 20, 40L, 1L << 30, 60L), 2000);
        double perPage = f.presentPageNs() - f.callNs() / 512 - 40.0 / 512;
        long gupPage = Math.round(perPage * GUP_PAGE_SHARE);
        long arr = Math.round(perPage * PAGE_ARRAY_SHARE);
        long vfioPage = Math.round(perPage * (1 - GUP_PAGE_SHARE - PAGE_ARRAY_SHARE));
        long thpPage = Math.round(Math.max(0, f.thpPresentPageNs() - f.presentPageNs()));
        GupCosts gup = new GupCosts(call, gupPage, gupPage, arr, gupPage, gupPage, thpPage);
        String presentSrc = "fit step 1: present-page pin cost (least squares over the 3 prealloc hugetlb base cells)";
        src.put("gup.callNs", "fit: the 8% batching fact (docs/calibration-inputs.md profile facts) x no-prealloc pin per page, "
                + GUP_SHARE_OF_CALL + " of the per-call overhead");
        src.put("gup.pageNs", presentSrc + " x " + GUP_PAGE_SHARE);
        src.put("gup.folioNs", "as gup.pageNs: one try_grab_folio costs one page grab");
        src.put("gup.pageArrayNs", presentSrc + " x " + PAGE_ARRAY_SHARE);
        src.put("gup.unpinPageNs", "as gup.pageNs");
        src.put("gup.unpinFolioNs", "as gup.pageNs");
        src.put("gup.thpPageNs", "fit step 2: present THP pin per page (3 prealloc THP base cells) minus present"
                + " hugetlb pin per page (5.14's per-page walk of a THP under the PMD lock)");
        PadataCosts pd = new PadataCosts(2000, 200, 5000, 1000, 100, 100);
        for (String k : List.of("jobInitNs", "workAllocNs", "helperStartNs", "queueWorkNs", "chunkClaimNs",
                "undoPerFailedWorkNs")) {
            src.put("padata." + k, assumed);
        }
        for (String k : List.of("mapCallNs", "unmapCallNs", "mapPte4KNs", "mapPte2MNs", "mapPte1GNs", "unmapPte4KNs",
                "unmapPte2MNs", "unmapPte1GNs", "iotlbSyncMapNs", "iotlbFlushNs")) {
            src.put("iommu." + k, assumed + " (VT-d/AMD-Vi order of magnitude)");
        }
        Type1Costs vfio = new Type1Costs(VFIO_DMA_ALLOC_NS, BATCH_INIT_NS, refill, RUN_NS, vfioPage, CONTIG_STEP_NS,
                CONTIG_SCAN_PAGE_NS, lockAcctNs, UNPIN_CALL_NS, PUT_PFN_PAGE_NS, IOVA_TO_PHYS_PAGE_NS, CHUNK_NS);
        src.put("vfio.batchRefillNs", "fit: the 8% batching fact, " + (1 - GUP_SHARE_OF_CALL) + " of the per-call overhead");
        src.put("vfio.pinPageNs", presentSrc + " x " + (1 - GUP_PAGE_SHARE - PAGE_ARRAY_SHARE));
        for (String k : List.of("vfioDmaAllocNs", "batchInitNs", "runNs", "contigStepNs", "contigScanPageNs", "lockAcctNs",
                "unpinCallNs", "putPfnPageNs", "iovaToPhysPageNs", "chunkNs")) {
            src.put("vfio." + k, assumed);
        }
        QemuCosts q = new QemuCosts(Math.round(f.initFixedNs()), Math.round(f.initPerGiBNs()),
                Math.round(f.thpPreallocFolioNs()), 2, 2L << 20);
        src.put("qemu.initFixedNs", "fit step 4: init - pin of the 6 no-prealloc base cells, least squares a + b GiB");
        src.put("qemu.initPerGiBNs", "fit step 4: as qemu.initFixedNs");
        src.put("qemu.thpPreallocFolioNs", "fit step 6: init - pin - qemu setup - 16-thread clearing of the 3 prealloc THP"
                + " base cells, per 2 MiB folio, least squares");
        src.put("qemu.smallRegions", "assumed: qemu maps a few small regions (ROM, BARs) besides RAM");
        src.put("qemu.smallRegionBytes", "assumed");
        return new MachineProfile(machine, description(machine), topo, bw, rt, mm, gup, pd, io, vfio, q, src);
    }
}
