package org.kemu.mmgup.mm;

import java.util.ArrayList;
import java.util.List;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.VmaKind;
import org.kemu.mmgup.phys.PhysicalMemoryImpl;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.SpinLock;

/**
 * Page faults of anonymous memory (mm/memory.c {@code do_anonymous_page}, mm/huge_memory.c
 * {@code do_huge_pmd_anonymous_page}), handing hugetlb VMAs to {@link HugetlbFault}. Faults are
 * handled a page-table leaf at a time (up to 512 small pages, or one huge folio): one allocation
 * under the zone lock, one clearing work item on the page's node and one PTL hold per leaf table,
 * each charging the per-page cost times the pages handled. The kernel does the same steps per 4 KiB
 * fault; batching them keeps emulation cheap while the costs and the lock traffic per page stay the
 * kernel's.
 */
public record PageFault(Kernel kernel, PhysicalMemoryImpl pm, UserPages userPages, HugetlbFault hugetlb) {
    private static final long PAGE = MmConstants.PAGE_SIZE;

    /**
     * Faults in every missing page of {@code [va, va + n)}, a range inside one leaf table of {@code v}
     * (from {@link PageWalk#segmentPages}); the caller holds the mmap lock for read. ENOMEM when memory runs out.
     */
    public void faultIn(MmStruct mmApi, VmaImpl v, long va, int n, boolean write) {
        MmStructImpl mm = (MmStructImpl) mmApi;
        if (v.kind.isHugetlb()) {
            hugetlb.fault(mm, v, va);
            return;
        }
        PageTable pt = v.pt;
        int s = pt.slotOf(va);
        if (pt.base[s] != PageTable.NONE || pt.hasRuns(s)) {
            return;
        }
        long slotStart = (pt.firstSlot + s) << pt.slotShift;
        boolean fullSlot = slotStart >= v.start && slotStart + MmConstants.PMD_SIZE <= v.end;
        int nid = kernel.numaNodeId(); // the faulting CPU's node: where the fault allocates first
        mm.pgtables.alloc(kernel, va, PgTables.PMD); // __handle_mm_fault: pud_alloc, pmd_alloc
        if (v.kind == VmaKind.ANON_THP && fullSlot && pt.slotEmpty(s)) {
            if (thpFault(mm, pt, s, slotStart, nid)) {
                return;
            }
        }
        mm.pgtables.alloc(kernel, va, PgTables.PTE); // do_anonymous_page: pte_alloc
        int o = PageTable.pteIndex(va);
        int[] p = pt.ptes == null ? null : pt.ptes[s];
        int missing = 0;
        for (int i = o; i < o + n; i++) {
            if (p == null || p[i] == 0) {
                missing++;
            }
        }
        if (missing == 0) {
            return;
        }
        long[] fresh = new long[missing];
        userPages.allocSmall(nid, true, fresh, "mm:alloc_pages");
        userPages.clear(fresh, missing, pm.costs().faultNs() + pm.costs().clearPageNs());
        try {
            MemcgCharge.chargeUser(kernel, pm, mm, fresh, missing, 1); // do_anonymous_page: mem_cgroup_charge
        } catch (KernelException e) {
            putAll(fresh, missing); // oom_free_page
            throw e;
        }
        SpinLock ptl = mm.pteLock(slotStart); // do_anonymous_page: pte_offset_map_lock
        ptl.lock();
        List<Long> dup = null;
        try {
            kernel.work(missing * pm.costs().ptlInstallPageNs());
            // a huge leaf installed meanwhile by another task's THP fault maps every page of the slot
            boolean hugeNow = pt.base[s] != PageTable.NONE;
            int[] q = hugeNow ? null : pt.ensurePtes(s);
            int k = 0;
            for (int i = o; i < o + n; i++) {
                if (p == null || p[i] == 0) {
                    if (!hugeNow && q[i] == 0) {
                        q[i] = (int) (fresh[k] + 1);
                    } else {
                        // Another task faulted the page in meanwhile: ours goes back (as after pte_same fails).
                        if (dup == null) {
                            dup = new ArrayList<>();
                        }
                        dup.add(fresh[k]);
                    }
                    k++;
                }
            }
            if (fullSlot && !hugeNow) {
                pt.compact(s, pm);
            }
        } finally {
            ptl.unlock();
        }
        if (dup != null) {
            pm.meta().lock();
            try {
                for (long d : dup) {
                    pm.refs().addRefsLocked(d, 1, -1, 0, 0);
                }
            } finally {
                pm.meta().unlock();
            }
        }
        pm.events().countFaults(missing - (dup == null ? 0 : dup.size()), 0, 0);
    }

    private boolean thpFault(MmStructImpl mm, PageTable pt, int s, long slotStart, int nid) {
        KernelException.require(!FailNth.shouldFail(kernel, "mm:alloc_pages"), Errno.ENOMEM, "mm:alloc_pages",
                "fail-nth: THP allocation");
        long head;
        SpinLock zl = pm.zoneLock(nid);
        zl.lock();
        try {
            kernel.work(pm.costs().allocFolioNs());
            pm.meta().lock();
            try {
                head = pm.largeFolioAlloc().allocThpLocked(nid, true);
            } finally {
                pm.meta().unlock();
            }
        } finally {
            zl.unlock();
        }
        if (head < 0) {
            pm.events().countFaults(0, 0, 1);
            return false;
        }
        try {
            MemcgCharge.chargeUser(kernel, pm, mm, new long[] {head}, 1, MmConstants.PMD_PAGES);
        } catch (KernelException e) {
            if (e.errno() != Errno.ENOMEM) {
                throw e;
            }
            // __do_huge_pmd_anonymous_page: a THP the group cannot pay for falls back to small pages
            // (THP_FAULT_FALLBACK_CHARGE), which then charge page by leaf
            pm.refs().putFolio(head);
            pm.events().countFaults(0, 0, 1);
            return false;
        }
        try {
            mm.pgtables.alloc(kernel, slotStart, PgTables.PTE); // the deposited table: pte_alloc_one
        } catch (KernelException e) {
            pm.refs().putFolio(head); // VM_FAULT_OOM: the charged folio goes, uncharging
            throw e;
        }
        kernel.work(pm.costs().hugeFaultNs() + MmConstants.PMD_PAGES * pm.costs().clearPageNs(), pm.nodeOf(head),
                MmConstants.PMD_SIZE);
        if (!pt.installLeaf(s, head, mm.pmdLock(slotStart))) { // __do_huge_pmd_anonymous_page: pmd_lock
            pm.refs().putFolio(head);
            // do_huge_pmd_anonymous_page(): pmd_none failed under the lock. Another task's huge leaf
            // maps the slot now: the access is satisfied (the kernel retries and finds it). Small
            // pages there instead: fall back to the PTE path, which fills only the missing ones.
            // The slot cannot empty meanwhile: that takes the mmap lock for write, and we hold it for read.
            return pt.base[s] != PageTable.NONE;
        }
        pm.events().countFaults(MmConstants.PMD_PAGES, 1, 0);
        return true;
    }

    /** Drops the only reference of each of {@code pfns[0..n)}, freeing (and uncharging) them. */
    private void putAll(long[] pfns, int n) {
        pm.meta().lock();
        try {
            for (int i = 0; i < n; i++) {
                pm.refs().addRefsLocked(pfns[i], 1, -1, 0, 0);
            }
        } finally {
            pm.meta().unlock();
        }
    }

    /**
     * {@code madvise(MADV_POPULATE_WRITE/READ)} ({@code faultin_page_range}): faults in every page of
     * the range from the current task under the mmap read lock.
     */
    public void populate(MmStruct mm, long addr, long len, boolean write) {
        KernelException.require((addr & (PAGE - 1)) == 0, Errno.EINVAL, "madvise:addr_align", "unaligned address");
        long end = addr + ((len + PAGE - 1) & -PAGE);
        mm.mmapLock().downRead();
        try {
            faultRange(mm, addr, end, write);
        } finally {
            mm.mmapLock().upRead();
        }
    }

    /** Faults in {@code [addr, end)} leaf table by leaf table; the caller holds the mmap lock for read. */
    private void faultRange(MmStruct mm, long addr, long end, boolean write) {
        long va = addr;
        while (va < end) {
            if (kernel.fatalSignalPending()) {
                throw new KernelException(Errno.EINTR, "populate:fatal_signal", "fatal signal pending");
            }
            VmaImpl v = PageWalk.findVma(mm, va);
            if (v == null) {
                // built only on failure: this runs once per segment populated
                throw new KernelException(Errno.ENOMEM, "madvise:unmapped", "no mapping at 0x" + Long.toHexString(va));
            }
            KernelException.require(v.kind != VmaKind.PFNMAP, Errno.EFAULT, "populate:vm_pfnmap",
                    "cannot populate a PFNMAP mapping");
            KernelException.require(!write || v.writable, Errno.EFAULT, "populate:vm_write",
                    "write fault on a read-only mapping");
            int seg = PageWalk.segmentPages(v, va, (end - va) >>> 12);
            faultIn(mm, v, va, seg, write);
            va += (long) seg << 12;
        }
    }
}
