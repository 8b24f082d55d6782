package org.kemu.mmgup.mm;

import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.phys.PhysicalMemoryImpl;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;

/**
 * mm/hugetlb.c {@code hugetlb_fault()} / {@code hugetlb_no_page()}: a missing huge page of a
 * hugetlbfs VMA is taken from the pool (consuming the VMA's reservation), cleared on its node and
 * installed under the page-table lock.
 */
final class HugetlbFault {
    private static final long PAGE = MmConstants.PAGE_SIZE;

    private final Kernel kernel;
    private final PhysicalMemoryImpl pm;
    private final MmCosts costs;

    HugetlbFault(Kernel kernel, PhysicalMemoryImpl pm) {
        this.kernel = kernel;
        this.pm = pm;
        this.costs = pm.costs();
    }

    /** Faults in the huge page of {@code v} at {@code va}, if missing; ENOMEM when the pool is empty. */
    void fault(MmStructImpl mm, VmaImpl v, long va) {
        PageTable pt = v.pt;
        int s = pt.slotOf(va);
        if (pt.base[s] != PageTable.NONE) {
            return;
        }
        int order = v.kind.pageOrder();
        KernelException.require(!FailNth.shouldFail(kernel, "mm:alloc_hugetlb_folio"), Errno.ENOMEM,
                "mm:alloc_hugetlb_folio", "fail-nth: hugetlb allocation");
        long head;
        pm.meta().lock();
        try {
            head = pm.hugetlb().allocHugetlbLocked(PageFault.currentNode(kernel), order);
        } finally {
            pm.meta().unlock();
        }
        KernelException.require(head >= 0, Errno.ENOMEM, "hugetlb_fault:no_page", "hugetlb pool is empty");
        if (v.resvLeft > 0) {
            v.resvLeft--;
        }
        long pages = 1L << order;
        kernel.work(costs.hugeFaultNs() + pages * costs.clearPageNs(), pm.nodeOf(head), pages * PAGE);
        long slotStart = (pt.firstSlot + s) << pt.slotShift;
        if (!pt.installLeaf(s, head, mm.ptl(slotStart))) {
            pm.refs().putFolio(head);
            return;
        }
        pm.events().countFaults(pages, 0, 0);
    }
}
