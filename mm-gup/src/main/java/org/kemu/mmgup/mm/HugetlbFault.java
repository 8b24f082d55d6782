package org.kemu.mmgup.mm;

import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.phys.PhysicalMemoryImpl;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Mutex;

/**
 * mm/hugetlb.c {@code hugetlb_fault()} / {@code hugetlb_no_page()} (5.14) for a private hugetlb
 * mapping: a missing huge page is taken from the pool (consuming the mapping's reservation of that
 * index), cleared on its node and installed under the page-table lock. All of it runs under the
 * page's {@code hugetlb_fault_mutex_table} entry, so concurrent faulters of one page (padata helpers
 * pinning one 1 GiB page, prefault threads whose shares straddle a page) are serialised: the first
 * allocates, the others wake to find the page mapped and neither allocate nor consume anything.
 */
final class HugetlbFault {
    private static final long PAGE = MmConstants.PAGE_SIZE;

    private final Kernel kernel;
    private final PhysicalMemoryImpl pm;
    private final MmCosts costs;
    private final HugetlbFaultMutexTable mutexes;

    HugetlbFault(Kernel kernel, PhysicalMemoryImpl pm) {
        this.kernel = kernel;
        this.pm = pm;
        this.costs = pm.costs();
        this.mutexes = kernel.subsystemState(HugetlbFaultMutexTable.class, HugetlbFaultMutexTable::new);
    }

    /** Faults in the huge page of {@code v} at {@code va}, if missing; ENOMEM when the pool is empty. */
    void fault(MmStructImpl mm, VmaImpl v, long va) {
        PageTable pt = v.pt;
        int s = pt.slotOf(va);
        if (pt.base[s] != PageTable.NONE) {
            // follow_hugetlb_page() found the page: no fault, no mutex
            return;
        }
        // huge_pte_alloc, before the fault mutex: the PUD page, and for a 2 MiB page the PMD page
        mm.pgtables.alloc(kernel, va, v.kind.pageOrder() == MmConstants.PMD_ORDER ? PgTables.PMD : PgTables.PUD);
        long idx = v.hugeIndex(va);
        Mutex m = mutexes.mutexFor(v.resv.mapping, idx);
        m.lock();
        try {
            if (pt.base[s] == PageTable.NONE) {
                noPage(mm, v, s, idx);
            }
        } finally {
            m.unlock();
        }
    }

    /** {@code hugetlb_no_page()}: the caller holds the page's fault mutex. */
    private void noPage(MmStructImpl mm, VmaImpl v, int s, long idx) {
        PageTable pt = v.pt;
        int order = v.kind.pageOrder();
        KernelException.require(!FailNth.shouldFail(kernel, "mm:alloc_hugetlb_folio"), Errno.ENOMEM,
                "mm:alloc_hugetlb_folio", "fail-nth: hugetlb allocation");
        // alloc_huge_page(): vma_needs_reservation() says whether this index still holds its reservation
        boolean reserved = v.resv.hasReservation(idx);
        long head;
        pm.meta().lock();
        try {
            head = pm.hugetlb().allocHugetlbLocked(kernel.numaNodeId(), order, reserved);
        } finally {
            pm.meta().unlock();
        }
        KernelException.require(head >= 0, Errno.ENOMEM, "hugetlb_fault:no_page", "hugetlb pool is empty");
        v.resv.commit(idx);
        long pages = 1L << order;
        kernel.work(costs.hugeFaultNs() + pages * costs.clearPageNs(), pm.nodeOf(head), pages * PAGE);
        long slotStart = (pt.firstSlot + s) << pt.slotShift;
        if (!pt.installLeaf(s, head, mm.hugePteLock(order, slotStart))) { // hugetlb_no_page: huge_pte_lock
            // backout: restore_reserve_on_error() then put_page() (free_huge_page gives the reservation back)
            pm.refs().putFolio(head);
            if (reserved) {
                v.resv.restore(idx);
                pm.meta().lock();
                try {
                    pm.hugetlb().restoreReserveLocked(order);
                } finally {
                    pm.meta().unlock();
                }
            }
            return;
        }
        pm.events().countFaults(pages, 0, 0);
    }
}
