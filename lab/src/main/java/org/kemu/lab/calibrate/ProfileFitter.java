package org.kemu.lab.calibrate;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.kemu.lab.Backing;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.QemuCosts;
import org.kemu.lab.QemuMachineType;
import org.kemu.lab.workload.PcMemoryInit;
import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmCosts;
import org.kemu.padatacore.PadataCosts;
import org.kemu.schedfair.CpuIdleDriver;
import org.kemu.schedfair.CpuIdleState;
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
 * The fit (docs/calibration.md, "Method"): each physical effect gets one constant per machine, taken
 * from the cells that isolate it, by least squares over those cells. Nothing is fitted on the
 * emulator: the wake-up latency of a sleeping task is a small cited context-switch cost plus the
 * exit latency of the cpuidle state its CPU is in, from the kernel's own idle-state tables.
 */
public final class ProfileFitter {
    static final double GIB = 1L << 30;
    /** 4 KiB pages per GiB: qemu's prealloc touches all of guest RAM, every section. */
    static final double PAGES_PER_GIB = 262144;
    /** The profile fact: 512 pages per GUP call instead of 1 made the serial pin about 8% faster. */
    static final double BATCHING_GAIN = 0.08;
    /** Share of the per-call overhead that is GUP's own (the rest is VFIO's batch refill). */
    static final double GUP_SHARE_OF_CALL = 0.7;
    /**
     * The per-4 KiB part of a present hugetlb pin is VFIO's loop in {@code vfio_pin_pages_remote()}
     * ({@code is_invalid_reserved_pfn} touching each struct page, {@code vfio_find_vpfn}, the lock_acct
     * count and limit check) and GUP's write of the page array ({@code record_subpages_vmas}); this is
     * the page array's assumed share of it.
     */
    static final double PAGE_ARRAY_SHARE = 0.10;
    /**
     * 5.14's per-4 KiB walk and grab ({@code follow_page_mask} + {@code try_grab_page}), paid by THP and
     * small pages only: no calibration cell isolates it (hugetlb cells do not contain it, THP cells only
     * together with gup.thpPageNs), so it is assumed at this share of the present hugetlb per-page cost.
     */
    static final double GUP_PAGE_SHARE = 0.45;
    /**
     * Assumed: 5.14 {@code follow_hugetlb_page()} per huge page: {@code huge_pte_offset} (three cached
     * table reads), {@code huge_pte_lock} lock/unlock and one {@code try_grab_compound_head} (atomic adds on
     * the head's refcount and pincount): a few uncontended atomic RMWs of about 18-20 cycles each (Agner Fog,
     * instruction tables, LOCK-prefixed ADD/XADD on Skylake and Zen 3), some 40 ns at 2-2.5 GHz.
     */
    static final long GUP_HUGE_PAGE_NS = 40;
    /** Assumed: {@code hugetlb_no_page()} around the clearing (pool dequeue, fault mutex, PTE install). */
    static final long HUGE_FAULT_NS = 1000;
    /** Assumed IOMMU costs of one {@code iommu_map()} call and per IOPTE of each size (VT-d/AMD-Vi order of magnitude). */
    static final long MAP_CALL_NS = 300;
    static final Map<Long, Long> MAP_PTE_NS = Map.of(4096L, 20L, 2L << 20, 40L, 1L << 30, 60L);
    static final int PREALLOC_THREADS = 16;
    /**
     * Direct cost of a context switch between threads, about 2 us: futex ping-pong between two
     * threads pinned to one CPU measured roughly 1.5 to 2 us per switch on Nehalem/Westmere Xeons (B.
     * Sigoure, "How long does it take to make a context switch?", 2010); Li, Ding and Shen,
     * "Quantifying the cost of context switch" (ExpCS 2007) put the direct cost at 3.8 us on a 2007
     * Xeon. A later server core is not slower, so 2 us for both published machines.
     */
    static final long CONTEXT_SWITCH_NS = 2_000;

    private ProfileFitter() {
    }

    /** The fitted constants of one machine before the emulator-based step. */
    public record Fit(double presentPageNs, double thpPresentPageNs, double noPreallocPageNs, double perCoreBps,
            double nodeBps, double initFixedNs, double initPerGiBNs, double ipiTargetNs, double callNs) {
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

    /**
     * Pages of a cell's published pin: the largest MAP_DMA qemu makes for the guest (the RAM section
     * above 4 GiB of the default machine type, {@link PcMemoryInit}), not the whole guest.
     */
    static double pinPages(CalibrationCell c) {
        return PcMemoryInit.largestBytes(QemuMachineType.DEFAULT, (long) c.gib() << 30) / 4096.0;
    }

    /**
     * Time of every guest-RAM MAP_DMA of a cell, all inside its init: the pin, and the other RAM
     * sections at the pin's per-page rate (same backing, same prealloc regime). The ROM calls map a
     * few hundred KiB and are left out.
     */
    static double allRamMapsNs(CalibrationCell c) {
        long ram = (long) c.gib() << 30;
        double mapped = PcMemoryInit.vfioSections(QemuMachineType.DEFAULT, ram).stream()
                .filter(x -> x.block() == PcMemoryInit.Block.GUEST_RAM).mapToLong(PcMemoryInit.Section::size).sum()
                / 4096.0;
        return c.pinS() * 1e9 * mapped / pinPages(c);
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
        double present = slope(hugePre, ProfileFitter::pinPages, c -> c.pinS() * 1e9);
        // 2. present THP pages: 5.14's per-page walk of a THP on top
        double thpPresent = slope(thpPre, ProfileFitter::pinPages, c -> c.pinS() * 1e9);
        // 3. absent hugetlb pages: the pin also faults and clears; clearing streams at one core's bandwidth
        double noPrealloc = slope(hugeNo, ProfileFitter::pinPages, c -> c.pinS() * 1e9);
        // the no-prealloc pin pays, per 2 MiB page, the hugetlb fault (hugetlb_no_page) on top of the present-page pin
        double perCore = 4096e9 / (noPrealloc - present - HUGE_FAULT_NS / 512.0);
        // the 8% fact: with one page per call every page pays the call overhead
        double callNs = (noPrealloc / (1 - BATCHING_GAIN) - noPrealloc) / (1 - 1.0 / 512);
        // 4. qemu's other setup: init minus pin of the no-prealloc cells, a + b * GiB
        double[] ab = linear(noPre, c -> c.gib(), c -> c.initS() * 1e9 - allRamMapsNs(c));
        // 5. node bandwidth: the 16-thread cached pin streams 16 clears at once
        CalibrationCell mt = CalibrationInputs.of(machine, CalibrationInputs.MULTITHREADED).stream()
                .filter(c -> c.padataThreads() == 16 && c.lockCachePages() > 0).findFirst().orElseThrow();
        double perThreadPageNs = mt.pinS() * 1e9 * mt.padataThreads() / pinPages(mt);
        double perThreadBps = 4096e9 / Math.max(1, perThreadPageNs - present);
        // the busiest node streams the clears of the threads the scheduler keeps there (not all 16:
        // load balancing moves some to the other node while the pin runs)
        double onBusiest = threadsOnBusiestNode(topology(machine), mt.padataThreads(), Math.round(mt.pinS() * 1e9));
        double nodeBps = Math.min(perThreadBps * onBusiest, perCore * mt.padataThreads());
        // 7. THP prealloc (ZeroPageCow): each of the 16 threads COWs its share of the huge zero page 4 KiB
        // at a time; per page a write fault, a clear at its share of the bandwidth, the pcp refill
        // amortised, the split amortised, and one TLB shootdown to each of the 15 other threads' CPUs.
        // Least squares of what is left of init (minus every guest-RAM MAP_DMA and qemu's setup) over the shootdown
        // targets gives the IPI cost per target and shootdown (initiator's plus target's share).
        double clearPageNs = 4096e9 / Math.min(nodeBps / PREALLOC_THREADS, perCore);
        double perPageKnown = COW_FAULT_NS + PTL_INSTALL_NS + ALLOC_PAGE_NS + clearPageNs
                + (HUGE_FAULT_NS + 512.0 * PTL_INSTALL_NS) / 512;
        double flushesPerPage = 1 + 1.0 / 512;
        double ipi = slope(thpPre, c -> c.gib() * PAGES_PER_GIB / PREALLOC_THREADS * flushesPerPage
                        * (PREALLOC_THREADS - 1),
                c -> c.initS() * 1e9 - allRamMapsNs(c) - ab[0] - ab[1] * c.gib()
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
    static final long ALLOC_PAGE_NS = 100;
    static final long PTL_INSTALL_NS = 20;
    /**
     * Share of one TLB-shootdown IPI's cost per target paid by the initiator (ICR write, waiting for
     * the acknowledgement); the rest is the target's interrupt. Assumed: the calibration cells all
     * run 16 prealloc threads, so they identify only the sum.
     */
    static final double IPI_SEND_SHARE = 0.5;

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
     * The cpuidle states of {@code machine}'s CPUs, with where they come from.
     *
     * <ul>
     *   <li>intel-8167m (Skylake-SP, family 6 model 0x55): intel_idle's {@code skx_cstates}
     *       (drivers/idle/intel_idle.c, unchanged from 5.14 to today): C1 exit 2 us / residency
     *       2 us, C1E 10 / 20, C6 133 / 600. The declared C6 is package C6's exit, the worst case
     *       of a core C6 request; package C6 has system scope on Xeons (every CPU of every socket in
     *       CC6: Intel's pepc doc "Xeon C6P and C6SP Idle States"), so with another CPU running the package stays
     *       in PC0 and the core leaves CC6 only, 92 us: the wult measurement (99.99th percentile, NIC
     *       wake-up, on SKX) that Linux commit 64233338 ("intel_idle: Adjust the SKX C6 parameters
     *       if PC6 is disabled", 5.14) takes as C6's exit when PC6 is off.
     *   <li>amd-7j13 (Milan): intel_idle does not drive AMD CPUs in 5.14, so acpi_idle takes the
     *       firmware's _CST: C1 (FFH MWAIT) with a declared latency of 1 us and C2 (I/O port, CC6)
     *       with 400 us, as EPYC firmware declares it (FreeBSD review D47444 reports the 400 us on
     *       an EPYC 7502P; no Milan-specific public figure was found, Milan's _CST is assumed the
     *       same). acpi_idle sets target_residency = latency x latency_factor (module parameter,
     *       default 2: drivers/acpi/processor_idle.c acpi_processor_setup_cstates).
     * </ul>
     */
    static CpuIdleDriver idle(String machine, Map<String, String> src) {
        if (machine.equals(CalibrationInputs.INTEL)) {
            String skx = "drivers/idle/intel_idle.c skx_cstates (Skylake-SP; intel_idle drives it in 5.14)";
            for (String st : List.of("C1", "C1E", "C6")) {
                src.put("cpuidle." + st + "ExitLatencyNs", skx + ": exit_latency");
                src.put("cpuidle." + st + "TargetResidencyNs", skx + ": target_residency");
            }
            src.put("cpuidle.C6ExitLatencyPc0Ns", "core C6 exit with the package in PC0 (another CPU running; Xeon's PC6 needs every CPU"
                    + " in CC6, Intel pepc doc 'Xeon C6P and C6SP Idle States'):"
                    + " 92 us, the wult 99.99th percentile on SKX that Linux commit 64233338 (intel_idle: Adjust the"
                    + " SKX C6 parameters if PC6 is disabled) uses; the declared 133 us is package C6's exit");
            return new CpuIdleDriver("intel_idle", List.of(CpuIdleState.POLL,
                    new CpuIdleState("C1", 2_000, 2_000, false),
                    new CpuIdleState("C1E", 10_000, 20_000, false),
                    new CpuIdleState("C6", 133_000, 600_000, false, 92_000)));
        }
        String acpi = "acpi_idle: target_residency = _CST latency x latency_factor 2"
                + " (drivers/acpi/processor_idle.c acpi_processor_setup_cstates)";
        src.put("cpuidle.C1ExitLatencyNs", "ACPI _CST C1 (FFH MWAIT) latency 1 us, as EPYC firmware declares it");
        src.put("cpuidle.C1TargetResidencyNs", acpi);
        src.put("cpuidle.C2ExitLatencyNs", "ACPI _CST C2 latency 400 us as EPYC firmware declares it (FreeBSD review"
                + " D47444, EPYC 7502P; Milan assumed the same: no Milan-specific public figure found)");
        src.put("cpuidle.C2TargetResidencyNs", acpi);
        return new CpuIdleDriver("acpi_idle", List.of(CpuIdleState.POLL,
                new CpuIdleState("C1", 1_000, 2_000, false),
                new CpuIdleState("C2", 400_000, 800_000, false)));
    }

    /** The profile of {@code machine} from the fit. */
    public static MachineProfile profile(String machine, Fit f) {
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
                + " per page - mm.hugeFaultNs / 512), least squares over the 3 no-prealloc hugetlb base cells");
        src.put("bandwidth.nodeBytesPerSec", "fit step 5: the 16-thread pin with locked_vm cache (input 2) streams the"
                + " clears of the threads the emulator's 5.14 load balancer keeps on the busiest node (time average)");
        RuntimeCosts rt = new RuntimeCosts(CONTEXT_SWITCH_NS, 20, 100, 250, 50_000);
        src.put("runtime.contextSwitchNs", "measured: direct thread context-switch cost about 2 us (Sigoure 2010, futex"
                + " ping-pong on one CPU; Li, Ding and Shen, ExpCS 2007: 3.8 us on a 2007 Xeon); the idle-state exit"
                + " is separate (cpuidle.*)");
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
        IommuCosts io = IommuCosts.of(MAP_CALL_NS, MAP_PTE_NS, 2000);
        // Step 1's structure: a serial present hugetlb pin costs, per 4 KiB page, VFIO's loop and the page
        // array (plus the GUP call overhead per 512-page batch); per 2 MiB page one follow_hugetlb_page grab,
        // and, as the LIFO pool gives one physically contiguous run per huge page, one run: the
        // vfio_pin_pages_remote call, its vfio_lock_acct and one iommu_map of one 2 MiB IOPTE.
        double perHugePage = GUP_HUGE_PAGE_NS + RUN_NS + LOCK_ACCT_NS + MAP_CALL_NS + MAP_PTE_NS.get(2L << 20);
        double perPage = f.presentPageNs() - f.callNs() / 512 - perHugePage / 512;
        long gupPage = Math.round(perPage * GUP_PAGE_SHARE);
        long arr = Math.round(perPage * PAGE_ARRAY_SHARE);
        long vfioPage = Math.round(perPage * (1 - PAGE_ARRAY_SHARE));
        // step 2: a prealloc'd THP guest is 4 KiB pages (ZeroPageCow) in runs of one pcp batch: per page the
        // 5.14 walk and grab (gup.pageNs) and the walk under the page-table lock (gup.thpPageNs) plus a 4 KiB
        // IOPTE, per run a vfio_lock_acct and an iommu_map, where the hugetlb slope carried one run per 2 MiB
        double runLen = org.kemu.mmgup.phys.PerCpuPages.zoneBatchsize(topo.memoryPerNodeBytes() >> 12);
        double perRun = RUN_NS + lockAcctNs + MAP_CALL_NS;
        long thpPage = Math.round(Math.max(0, f.thpPresentPageNs() - f.presentPageNs() - gupPage
                - MAP_PTE_NS.get(4096L) - perRun / runLen + perHugePage / 512));
        GupCosts gup = new GupCosts(call, gupPage, GUP_HUGE_PAGE_NS, arr, gupPage, gupPage, thpPage);
        String presentSrc = "fit step 1: present hugetlb pin per 4 KiB page (least squares over the 3 prealloc hugetlb"
                + " base cells) minus the GUP call overhead per 512 pages and the assumed per-2 MiB costs (gup.folioNs,"
                + " vfio.runNs, vfio.lockAcctNs, iommu.mapCallNs, iommu.mapPte2MNs: one run per huge page)";
        src.put("gup.callNs", "fit: the 8% batching fact (docs/calibration-inputs.md profile facts) x no-prealloc pin per page, "
                + GUP_SHARE_OF_CALL + " of the per-call overhead");
        src.put("gup.pageNs", "assumed: 5.14's per-4 KiB follow_page_mask + try_grab_page of THP and small pages,"
                + " which no cell isolates; " + GUP_PAGE_SHARE + " x (" + presentSrc + ")");
        src.put("gup.folioNs", "assumed: follow_hugetlb_page per huge page (huge_pte_lock + one try_grab_compound_head),"
                + " a few uncontended atomic RMWs (Agner Fog instruction tables, LOCK ADD about 18-20 cycles)");
        src.put("gup.pageArrayNs", presentSrc + " x " + PAGE_ARRAY_SHARE);
        src.put("gup.unpinPageNs", "as gup.pageNs");
        src.put("gup.unpinFolioNs", "as gup.pageNs");
        src.put("gup.thpPageNs", "fit step 2: present THP pin per page (3 prealloc THP base cells) minus present"
                + " hugetlb pin per page, minus gup.pageNs, a 4 KiB IOPTE per page and (vfio run + vfio_lock_acct + iommu_map)"
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
        src.put("vfio.batchRefillNs", "fit: the 8% batching fact, " + Math.round(100 * (1 - GUP_SHARE_OF_CALL)) + "% of the per-call overhead");
        src.put("vfio.pinPageNs", presentSrc + " x " + (1 - PAGE_ARRAY_SHARE) + " (the per-4 KiB loop of"
                + " vfio_pin_pages_remote: is_invalid_reserved_pfn, vfio_find_vpfn, lock_acct count and limit check);"
                + " the struct page line each step reads (" + MmConstants.STRUCT_PAGE_SIZE + " B) streams in "
                + String.format(Locale.ROOT, "%.1f", MmConstants.STRUCT_PAGE_SIZE * 1e9 / bw.perCoreBytesPerSec())
                + " ns at bandwidth.perCoreBytesPerSec, "
                + (MmConstants.STRUCT_PAGE_SIZE * 1e9 / bw.perCoreBytesPerSec() <= vfioPage
                        ? "within this CPU time, so a lone pinning thread is CPU-bound and only threads sharing a node's"
                                + " bandwidth wait on it"
                        : "MORE than this CPU time: the serial cells would be memory-bound, so the fit does not hold"));
        for (String k : List.of("vfioDmaAllocNs", "batchInitNs", "runNs", "contigStepNs", "contigScanPageNs", "lockAcctNs",
                "unpinCallNs", "putPfnPageNs", "iovaToPhysPageNs", "chunkNs")) {
            src.put("vfio." + k, assumed);
        }
        QemuCosts q = new QemuCosts(Math.round(f.initFixedNs()), Math.round(f.initPerGiBNs()));
        src.put("qemu.initFixedNs", "fit step 4: init - every guest-RAM MAP_DMA of the 6 no-prealloc base cells, least squares a + b GiB");
        src.put("qemu.initPerGiBNs", "fit step 4: as qemu.initFixedNs");
        CpuIdleDriver idle = idle(machine, src);
        // the platform's IOMMU: VT-d on Skylake-SP, AMD-Vi on Milan
        String iommuDriver = machine.equals(CalibrationInputs.INTEL) ? MachineProfile.INTEL_IOMMU
                : MachineProfile.AMD_IOMMU;
        return new MachineProfile(machine, description(machine), topo, bw, rt, mm, gup, pd, io, vfio, q, idle,
                iommuDriver, src);
    }
}
