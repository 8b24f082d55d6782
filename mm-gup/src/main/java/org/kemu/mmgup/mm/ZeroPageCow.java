package org.kemu.mmgup.mm;

import java.util.Arrays;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.VmaKind;
import org.kemu.mmgup.phys.PerCpuPages;
import org.kemu.mmgup.phys.PhysicalMemoryImpl;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.SpinLock;

/**
 * A user thread reading then writing one byte of every 4 KiB page of anonymous memory, as qemu 6.2's
 * {@code do_touch_pages} does ({@code *(volatile char *)addr = *addr}, util/oslib-posix.c; qemu 6.2
 * has no MADV_POPULATE_WRITE), and what the kernel does for it:
 * <ul>
 * <li>the read of a THP-eligible empty PMD: {@code do_huge_pmd_anonymous_page} maps the huge zero
 *     page ({@code transparent_hugepage_use_zero_page}, on by default; {@code set_huge_zero_page},
 *     depositing a preallocated PTE table), costing {@link MmCosts#hugeFaultNs()};
 * <li>the write to it: {@code do_huge_pmd_wp_page} on a huge-zero PMD falls back (since 5.8,
 *     3917c80280c9): {@code __split_huge_pmd} rewrites the PMD as 512 PTEs of the zero page
 *     ({@code __split_huge_zero_page_pmd}, 512 x {@link MmCosts#ptlInstallPageNs()}, after
 *     {@code pmdp_huge_clear_flush}, one TLB shootdown), then {@code do_wp_page -> wp_page_copy}
 *     COWs the 4 KiB page: a page from the per-CPU list ({@link PerCpuPages}), cleared
 *     ({@code alloc_zeroed_user_highpage_movable}), {@code ptep_clear_flush} (a shootdown to every
 *     other CPU running the mm, {@link TlbFlush}) and the new PTE;
 * <li>every later page of those 2 MiB: the read hits the zero-page PTE (no fault), the write COWs;
 * <li>outside THP-eligible PMDs, the read maps the 4 KiB zero page ({@code do_anonymous_page}) and
 *     the write COWs it the same way.
 * </ul>
 * So every page is one write-protect fault, one 4 KiB clear and one shootdown of the other CPUs.
 *
 * <p><b>Coalescing.</b> A page's fault touches nothing another task sees until the per-CPU list runs
 * empty (the refill takes {@code zone->lock}) or a leaf table is complete (its PTEs are installed
 * under the PTL). So the faults of one step, up to {@link #maxStepPages} pages between those points,
 * are charged as one work item for the clearing (bytes through the page's node) and one for the rest,
 * and their shootdowns are counted once, to the CPUs that ran the mm when the step began. What the
 * other CPUs owe for them is paid at their next step (see {@link TlbFlush}): totals are exact; a
 * target pays its share up to one of its steps late, and a CPU that starts or stops running the mm
 * inside a step is counted for the whole step or not at all. The mmap read lock is held for the whole
 * touch instead of per fault: only readers take it meanwhile in the modelled workloads.
 */
public final class ZeroPageCow {
    private static final long PAGE = MmConstants.PAGE_SIZE;
    private static final int PTRS = MmConstants.PMD_PAGES;

    private final Kernel kernel;
    private final PhysicalMemoryImpl pm;
    private final PageFault pageFault;
    private final int maxStepPages;

    /**
     * @param maxStepPages the most faults charged as one step ({@link Integer#MAX_VALUE}: up to the next
     *     interaction; 1: every fault its own events, for checking the coalescing)
     */
    public ZeroPageCow(Kernel kernel, PhysicalMemoryImpl pm, PageFault pageFault, int maxStepPages) {
        KernelException.require(maxStepPages >= 1, Errno.EINVAL, "zero_page_cow:step", "step below one page");
        this.kernel = kernel;
        this.pm = pm;
        this.pageFault = pageFault;
        this.maxStepPages = maxStepPages;
    }

    /** One thread's accumulated, not yet charged faults. */
    private final class Step {
        final int cpu;
        final int nid;
        final MmStruct mm;
        final TlbFlush tlb = TlbFlush.of(kernel);
        final int[] targets = new int[kernel.topology().nrCpus()];
        /** The pfns a leaf's faults COWed, by PTE index (-1: present already); reused leaf after leaf. */
        final long[] fresh = new long[PTRS];
        int nTargets;
        /** The curr generation and own CPU {@link #targets} were found at ({@link Kernel#cpuCurrGeneration}). */
        private long targetsGeneration = -1;
        private int targetsCpu = -1;
        long cpuNs;
        long clearPages;
        long flushes;
        int pages;
        /** {@link #afterClearNs}, bound once per touch rather than per step. */
        private final java.util.function.LongSupplier afterClear = this::afterClearNs;

        Step(MmStruct mm, int cpu, int nid) {
            this.mm = mm;
            this.cpu = cpu;
            this.nid = nid;
            begin();
        }

        private void begin() {
            // the CPUs running the mm change only when some CPU's curr does: mostly not between steps
            long gen = kernel.cpuCurrGeneration();
            int self = kernel.current().cpu();
            if (gen < 0 || gen != targetsGeneration || self != targetsCpu) {
                nTargets = tlb.otherCpusRunning(mm, targets);
                targetsGeneration = gen;
                targetsCpu = self;
            }
            cpuNs = 0;
            clearPages = 0;
            flushes = 0;
            pages = 0;
        }

        /** One TLB shootdown now (the initiator's share; the targets' share is sent at {@link #end}). */
        void flush(MmCosts c) {
            flush(c, 1);
        }

        /** {@code k} TLB shootdowns now, one per COWed page. */
        void flush(MmCosts c, int k) {
            flushes += k;
            cpuNs += (long) k * nTargets * c.ipiSendNs();
        }

        /** The step's CPU time after its clearing, with what other CPUs' shootdowns left pending meanwhile. */
        private long afterClearNs() {
            return cpuNs + tlb.takePending(cpu);
        }

        /** Charges the step and starts the next one. */
        void end() {
            MmCosts c = pm.costs();
            // the clearing, then the rest: one call, so the engine starts the second part itself
            kernel.work(clearPages * c.clearPageNs(), nid, clearPages * PAGE, afterClear);
            tlb.sendTo(targets, nTargets, flushes, c, pm.events());
            pm.events().countFaults(pages, 0, 0);
            begin();
        }
    }

    /**
     * Touches every 4 KiB page of {@code [addr, addr + len)} from the current task, read then write,
     * under the mmap read lock; hugetlb VMAs are faulted a huge page at a time (their read fault maps
     * a writable shared page, the write does not fault). EFAULT at a hole, a PFNMAP or a read-only
     * mapping (qemu would take SIGSEGV); ENOMEM when memory runs out.
     */
    public void touch(MmStruct mmApi, long addr, long len) {
        KernelException.require((addr & (PAGE - 1)) == 0, Errno.EINVAL, "touch:addr_align", "unaligned address");
        MmStructImpl mm = (MmStructImpl) mmApi;
        long end = addr + ((len + PAGE - 1) & -PAGE);
        int cpu = Math.max(0, kernel.current().cpu());
        int nid = kernel.numaNodeId();
        mm.mmapLock().downRead();
        Step st = new Step(mm, cpu, nid);
        try {
            long va = addr;
            while (va < end) {
                if (kernel.fatalSignalPending()) {
                    throw new KernelException(Errno.EINTR, "touch:fatal_signal", "fatal signal pending");
                }
                VmaImpl v = PageWalk.findVma(mm, va);
                if (v == null) {
                    // built only on failure: this runs once per segment touched
                    throw new KernelException(Errno.EFAULT, "touch:unmapped", "no mapping at 0x" + Long.toHexString(va));
                }
                KernelException.require(v.kind != VmaKind.PFNMAP, Errno.EFAULT, "touch:vm_pfnmap", "PFNMAP mapping");
                KernelException.require(v.writable, Errno.EFAULT, "touch:vm_write", "write to a read-only mapping");
                int seg = PageWalk.segmentPages(v, va, (end - va) >>> 12);
                if (v.kind.isHugetlb()) {
                    st.end();
                    pageFault.faultIn(mm, v, va, seg, true);
                } else {
                    touchLeaf(mm, v, va, seg, st);
                }
                va += (long) seg << 12;
            }
            st.end();
        } finally {
            mm.mmapLock().upRead();
            pm.pcp().drain(cpu);
        }
    }

    /** The pages of {@code [va, va + n)}, inside one leaf table of anonymous VMA {@code v}. */
    private void touchLeaf(MmStructImpl mm, VmaImpl v, long va, int n, Step st) {
        PageTable pt = v.pt;
        int s = pt.slotOf(va);
        if (pt.base[s] != PageTable.NONE || pt.hasRuns(s)) {
            return; // every page present and writable: neither access faults
        }
        // pud_alloc, pmd_alloc, then the PTE page: the huge zero page's deposited table
        // (do_huge_pmd_anonymous_page) or do_anonymous_page's pte_alloc, one per 2 MiB either way
        mm.pgtables.alloc(kernel, va, PgTables.PTE);
        MmCosts c = pm.costs();
        long slotStart = (pt.firstSlot + s) << pt.slotShift;
        boolean fullSlot = slotStart >= v.start && slotStart + MmConstants.PMD_SIZE <= v.end;
        int o = PageTable.pteIndex(va);
        boolean hugeZero = v.kind == VmaKind.ANON_THP && fullSlot && n == PTRS && pt.slotEmpty(s);
        if (hugeZero) {
            // read: set_huge_zero_page; write: __split_huge_pmd to 512 zero PTEs, one shootdown
            st.cpuNs += c.hugeFaultNs() + PTRS * c.ptlInstallPageNs();
            st.flush(c);
        }
        int[] present = hugeZero || pt.ptes == null ? null : pt.ptes[s];
        // fresh[i]: the page COWed for PTE index i, -1 where the page was present already
        long[] fresh = st.fresh;
        Arrays.fill(fresh, -1);
        int got = 0;
        long zeroFaultNs = hugeZero ? 0 : c.faultNs() + c.ptlInstallPageNs(); // do_anonymous_page: the 4 KiB zero page
        long cowNs = c.faultNs() + c.ptlInstallPageNs(); // wp_page_copy: fault, clear, ptep_clear_flush, set_pte_at
        int i = o;
        while (i < o + n) {
            if (present != null && present[i] != 0) {
                i++;
                continue;
            }
            int gap = i + 1; // [i, gap): pages not present, faulted one after another
            while (gap < o + n && (present == null || present[gap] == 0)) {
                gap++;
            }
            // The pages of [i, gap) in chunks that end where the per-page loop would end the step:
            // the list runs empty or the step is full. Per page that loop charges the zero-page read
            // fault, then (if it must) ends the step and refills, then takes the page and charges the
            // COW and one shootdown; a chunk charges the same sums to the same steps.
            while (i < gap) {
                st.cpuNs += zeroFaultNs; // the first page's read fault, before the step may end
                if (pm.pcp().available(st.cpu) == 0 || st.pages >= maxStepPages) {
                    st.end();
                    if (pm.pcp().available(st.cpu) == 0) {
                        pm.pcp().refill(st.cpu, st.nid);
                    }
                }
                int m = Math.min(gap - i, Math.min(pm.pcp().available(st.cpu), maxStepPages - st.pages));
                pm.meta().lock();
                try {
                    pm.pcp().takeLocked(st.cpu, fresh, i, m);
                } finally {
                    pm.meta().unlock();
                }
                got += m;
                st.cpuNs += (m - 1) * zeroFaultNs + m * cowNs;
                st.clearPages += m;
                st.pages += m;
                st.flush(c, m);
                i += m;
            }
        }
        if (got > 0) {
            install(mm, pt, s, slotStart, fresh, got, fullSlot);
        }
    }

    /**
     * Installs the COWed pages of slot {@code s} under its PTL (as {@code wp_page_copy} does after
     * {@code pte_same}); a page whose PTE another task filled meanwhile goes back to the allocator.
     */
    private void install(MmStructImpl mm, PageTable pt, int s, long slotStart, long[] fresh, int got, boolean fullSlot) {
        chargeCopies(mm, fresh, got);
        long[] back = null;
        int nBack = 0;
        SpinLock ptl = mm.pteLock(slotStart); // wp_page_copy: pte_offset_map_lock
        ptl.lock();
        try {
            long[] runs = got == PTRS && pt.slotEmpty(s) ? PageTable.runsOf(fresh) : null;
            if (runs != null) {
                pt.installRuns(s, runs);
                return;
            }
            boolean mappedNow = pt.base[s] != PageTable.NONE || pt.hasRuns(s);
            int[] q = mappedNow ? null : pt.ensurePtes(s);
            for (int i = 0; i < PTRS; i++) {
                if (fresh[i] < 0) {
                    continue;
                }
                if (q != null && q[i] == 0) {
                    q[i] = (int) (fresh[i] + 1);
                } else {
                    if (back == null) {
                        back = new long[got];
                    }
                    back[nBack++] = fresh[i];
                }
            }
            if (fullSlot && q != null) {
                pt.compact(s, pm);
            }
        } finally {
            ptl.unlock();
        }
        if (back != null) {
            pm.meta().lock();
            try {
                for (int i = 0; i < nBack; i++) {
                    pm.refs().addRefsLocked(back[i], 1, -1, 0, 0);
                }
            } finally {
                pm.meta().unlock();
            }
        }
    }

    /**
     * {@code wp_page_copy}'s {@code mem_cgroup_charge} of the new pages to the mm owner's group, for
     * the leaf at once (the step's faults are one batch, as their costs are); when the group cannot
     * pay, the pages go back and the touch fails with ENOMEM (the fault's VM_FAULT_OOM).
     */
    private void chargeCopies(MmStructImpl mm, long[] fresh, int got) {
        if (mm.memcg().isRoot()) {
            return;
        }
        long[] taken = new long[got];
        int k = 0;
        for (long f : fresh) {
            if (f >= 0) {
                taken[k++] = f;
            }
        }
        try {
            MemcgCharge.chargeUser(kernel, pm, mm, taken, k, 1);
        } catch (KernelException e) {
            pm.meta().lock();
            try {
                for (int i = 0; i < k; i++) {
                    pm.refs().addRefsLocked(taken[i], 1, -1, 0, 0);
                }
            } finally {
                pm.meta().unlock();
            }
            throw e;
        }
    }
}
