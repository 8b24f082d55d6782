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
import org.kemu.schedfair.MemoryBandwidth;
import org.kemu.schedfair.RuntimeCosts;
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
            double nodeBps, double initFixedNs, double initPerGiBNs, double ipiTargetNs, double callNs) {
    }

    /** Machine facts (docs/calibration-inputs.md, "Machines"): not fitted. */
    static Topology topology(String machine) {
        return machine.equals(CalibrationInputs.INTEL) ? new Topology(2, 26, 2, 384L << 30)
                : new Topology(2, 64, 2, 1024L << 30);
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
        int nodesUsed = 1; // the wake-up path fills idle CPUs of node 0 first: every helper clears node 0's memory
        double nodeBps = Math.min(perThreadBps * mt.padataThreads() / nodesUsed, perCore * mt.padataThreads());
        // 7. THP prealloc (ZeroPageCow): each of the 16 threads COWs its share of the huge zero page 4 KiB
        // at a time; per page a write fault, a clear at its share of the bandwidth, the pcp refill
        // amortised, the split amortised, and one TLB shootdown to each of the 15 other threads' CPUs.
        // Least squares of what is left of init (minus pin and qemu's setup) over the shootdown
        // targets gives the IPI cost per target and shootdown (initiator's plus target's share).
        double clearPageNs = 4096e9 / Math.min(nodeBps / PREALLOC_THREADS, perCore);
        double perPageKnown = COW_FAULT_NS + PTL_INSTALL_NS + ALLOC_PAGE_NS + clearPageNs
                + (HUGE_FAULT_NS + 512.0 * PTL_INSTALL_NS) / 512;
        double flushesPerPage = 1 + 1.0 / 512;
        double ipi = slope(thpPre, c -> c.gib() * PAGES_PER_GIB / PREALLOC_THREADS * flushesPerPage
                        * (PREALLOC_THREADS - 1),
                c -> c.initS() * 1e9 - c.pinS() * 1e9 - ab[0] - ab[1] * c.gib()
                        - c.gib() * PAGES_PER_GIB / PREALLOC_THREADS * perPageKnown);
        return new Fit(present, thpPresent, noPrealloc, perCore, nodeBps, ab[0], ab[1], Math.max(0, ipi), callNs);
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

    /** Assumed mm costs (order of magnitude of the code paths; not identified by the calibration inputs). */
    static final long COW_FAULT_NS = 500;
    static final long HUGE_FAULT_NS = 1000;
    static final long ALLOC_PAGE_NS = 100;
    static final long PTL_INSTALL_NS = 20;
    /**
     * Share of one TLB-shootdown IPI's cost per target paid by the initiator (ICR write, waiting for
     * the acknowledgement); the rest is the target's interrupt. Assumed: the calibration cells all
     * run 16 prealloc threads, so they identify only the sum.
     */
    static final double IPI_SEND_SHARE = 0.5;
    /** Assumed IOMMU costs (VT-d/AMD-Vi order of magnitude), shared by step 2 and the profile. */
    static final long MAP_CALL_NS = 300;
    static final long MAP_PTE_4K_NS = 20;

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
        MemoryBandwidth bw = new MemoryBandwidth(Math.round(f.nodeBps()), Math.round(f.perCoreBps()));
        src.put("bandwidth.perCoreBytesPerSec", "fit step 3: 4 KiB / (no-prealloc hugetlb pin per page - present-page pin"
                + " per page), least squares over the 3 no-prealloc hugetlb base cells");
        src.put("bandwidth.nodeBytesPerSec", "fit step 5: the 16-thread pin with locked_vm cache (input 2) streams 16"
                + " clears through node 0");
        RuntimeCosts rt = new RuntimeCosts(contextSwitchNs, 20, 100, 250, 50_000);
        src.put("runtime.contextSwitchNs", "fit step 8 (emulated): switching to a woken task, idle-state exit included;"
                + " from input 2's 16-thread pins without vs with the locked_vm cache, where every 2 MiB run's"
                + " mmap write lock puts the pinning threads to sleep and wakes them");
        for (String k : List.of("lockAcquireNs", "cacheLineTransferNs", "remoteCacheLineTransferNs",
                "kthreadCreateNs")) {
            src.put("runtime." + k, assumed);
        }
        long ipiSend = Math.round(f.ipiTargetNs() * IPI_SEND_SHARE);
        long ipiHandle = Math.round(f.ipiTargetNs() * (1 - IPI_SEND_SHARE));
        MmCosts mm = new MmCosts(COW_FAULT_NS, HUGE_FAULT_NS, ALLOC_PAGE_NS, 2000, 0, PTL_INSTALL_NS, 30, 200, 1000, 2000,
                ipiSend, ipiHandle);
        String ipiSrc = "fit step 7: qemu prealloc of the 3 THP base cells (init - pin - qemu setup), least squares over"
                + " the TLB shootdowns of the 4 KiB COW of the huge zero page, 16 threads each flushing the 15 others'"
                + " CPUs (ZeroPageCow), per target and shootdown; split " + IPI_SEND_SHARE + " initiator (assumed)."
                + " Plausibility: a shootdown IPI costs microseconds on Skylake-SP and Zen 3 (Amit, USENIX ATC 2017;"
                + " Kumar et al., LATR, ASPLOS 2018)";
        src.put("mm.ipiSendNs", ipiSrc);
        src.put("mm.ipiHandleNs", ipiSrc);
        for (String k : List.of("faultNs", "hugeFaultNs", "allocPageNs", "allocFolioNs", "ptlInstallPageNs", "zapPageNs",
                "zapFolioNs", "migratePageNs", "hugetlbPoolAllocNs")) {
            src.put("mm." + k, assumed);
        }
        src.put("mm.clearPageNs", "0: clearing is bandwidth-bound (78.6% of cycles in clear_page_erms, docs/calibration-inputs.md"
                + " profile facts); its time comes from bandwidth.perCoreBytesPerSec");
        long call = Math.round(f.callNs() * GUP_SHARE_OF_CALL);
        long refill = Math.round(f.callNs() * (1 - GUP_SHARE_OF_CALL));
        IommuCosts io = IommuCosts.of(MAP_CALL_NS, Map.of(4096L, MAP_PTE_4K_NS, 2L << 20, 40L, 1L << 30, 60L), 2000);
        double perPage = f.presentPageNs() - f.callNs() / 512 - 40.0 / 512;
        long gupPage = Math.round(perPage * GUP_PAGE_SHARE);
        long arr = Math.round(perPage * PAGE_ARRAY_SHARE);
        long vfioPage = Math.round(perPage * (1 - GUP_PAGE_SHARE - PAGE_ARRAY_SHARE));
        // step 2: a prealloc'd THP guest is 4 KiB pages (ZeroPageCow) in runs of one pcp batch: per
        // page the walk under the PTE lock plus a 4 KiB IOPTE, per run a vfio_lock_acct and an iommu_map
        double runLen = org.kemu.mmgup.phys.PerCpuPages.zoneBatchsize(topo.memoryPerNodeBytes() >> 12);
        double perRun = RUN_NS + lockAcctNs + MAP_CALL_NS;
        long thpPage = Math.round(Math.max(0, f.thpPresentPageNs() - f.presentPageNs() - MAP_PTE_4K_NS
                - perRun / runLen));
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
                + " hugetlb pin per page, minus a 4 KiB IOPTE per page and (vfio run + vfio_lock_acct + iommu_map)"
                + " per run of one pcp batch (zone_batchsize): 5.14's per-4 KiB walk under the page-table lock"
                + " (follow_page_pte, or follow_trans_huge_pmd on a THP)");
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
        QemuCosts q = new QemuCosts(Math.round(f.initFixedNs()), Math.round(f.initPerGiBNs()), 2, 2L << 20);
        src.put("qemu.initFixedNs", "fit step 4: init - pin of the 6 no-prealloc base cells, least squares a + b GiB");
        src.put("qemu.initPerGiBNs", "fit step 4: as qemu.initFixedNs");
        src.put("qemu.smallRegions", "assumed: qemu maps a few small regions (ROM, BARs) besides RAM");
        src.put("qemu.smallRegionBytes", "assumed");
        return new MachineProfile(machine, description(machine), topo, bw, rt, mm, gup, pd, io, vfio, q, src);
    }
}
