package org.kemu.mmgup.phys;

import static org.kemu.mmgup.phys.MemMap.B_HUGETLB;

import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmCosts;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;

/**
 * The hugetlb pools (mm/hugetlb.c), one per node and huge page size (hstate of order 9 or 18): free
 * folios in a LIFO-by-pfn stack ({@link LongStack}), {@code nr_hugepages} per node, and the global
 * reservation count {@code resv_huge_pages} of each hstate. Pool pages are carved from the buddy
 * allocator at boot ({@code hugepages=}) or when {@code nr_hugepages} grows, and go back to it only
 * when the pool shrinks.
 */
public final class HugetlbPool {
    private final Kernel kernel;
    private final MmCosts costs;
    private final MemMap map;
    private final LargeFolioAlloc folios;
    /** {@code resv_huge_pages} of the 2 MiB and the 1 GiB hstate. */
    private final long[] resv = new long[2];

    /** Carves the boot-time pools ({@code hugepages=} per node) before anything else runs, so fragmentation does not hit them. */
    HugetlbPool(Kernel kernel, MmCosts costs, MemMap map, LargeFolioAlloc folios) {
        this.kernel = kernel;
        this.costs = costs;
        this.map = map;
        this.folios = folios;
        MemoryConfig config = map.config;
        for (NodeMem m : map.nodes) {
            for (long i = 0; i < config.bootHugepages1gPerNode(); i++) {
                long head = folios.takeGiganticLocked(m, true);
                KernelException.require(head >= 0, Errno.ENOMEM, "hugepages=1G",
                        "node " + m.nid + " has no room for " + config.bootHugepages1gPerNode() + " 1 GiB pages");
                m.hugeFree1g.push(head);
                m.nrHuge1g++;
            }
            for (long i = 0; i < config.bootHugepages2mPerNode(); i++) {
                long head = folios.takeWholeBlockLocked(m, 0, B_HUGETLB, true);
                KernelException.require(head >= 0, Errno.ENOMEM, "hugepages=2M",
                        "node " + m.nid + " has no room for " + config.bootHugepages2mPerNode() + " 2 MiB pages");
                m.hugeFree2m.push(head);
                m.nrHuge2m++;
            }
        }
    }

    private static int hidx(int order) {
        return order == MmConstants.PUD_ORDER ? 1 : 0;
    }

    static void checkOrder(int order) {
        KernelException.require(order == MmConstants.PMD_ORDER || order == MmConstants.PUD_ORDER, Errno.EINVAL,
                "hugetlb:order", "no hstate of order " + order);
    }

    private static LongStack pool(NodeMem m, int order) {
        return order == MmConstants.PUD_ORDER ? m.hugeFree1g : m.hugeFree2m;
    }

    private long totalFree(int order) {
        long f = 0;
        for (NodeMem m : map.nodes) {
            f += pool(m, order).size();
        }
        return f;
    }

    /** Reserves {@code n} huge pages of {@code order} (hugetlb_acct_memory); false if the pools cannot. */
    public boolean reserveHugetlbLocked(int order, long n) {
        if (totalFree(order) - resv[hidx(order)] < n) {
            return false;
        }
        resv[hidx(order)] += n;
        return true;
    }

    public void unreserveHugetlbLocked(int order, long n) {
        resv[hidx(order)] -= n;
    }

    /** Takes a free huge page (refcount 1) for a fault, consuming one reservation; -1 if none. */
    public long allocHugetlbLocked(int prefNid, int order) {
        NodeMem[] nodes = map.nodes;
        for (int k = 0; k < nodes.length; k++) {
            LongStack s = pool(nodes[(prefNid + k) % nodes.length], order);
            if (s.size() > 0) {
                long head = s.popLowest();
                NodeMem m = map.node(head);
                int b = MemMap.block(m, head);
                if (order == MmConstants.PUD_ORDER) {
                    m.gigaRef[b >>> 9] = 1;
                } else {
                    m.gigas[b >>> 9].hugeRef[b & 511] = 1;
                }
                resv[hidx(order)] = Math.max(0, resv[hidx(order)] - 1);
                return head;
            }
        }
        return -1;
    }

    /** {@code free_huge_folio()}: a pool folio whose last reference went returns to its node's free list. */
    void enqueueLocked(NodeMem m, long head, boolean gigantic) {
        (gigantic ? m.hugeFree1g : m.hugeFree2m).push(head);
    }

    boolean reservePages(int order, long n) {
        checkOrder(order);
        KernelException.require(n >= 0, Errno.EINVAL, "hugetlb:reserve", "negative count");
        map.meta.lock();
        try {
            return reserveHugetlbLocked(order, n);
        } finally {
            map.meta.unlock();
        }
    }

    void unreservePages(int order, long n) {
        checkOrder(order);
        map.meta.lock();
        try {
            KernelException.require(n >= 0 && n <= resv[hidx(order)], Errno.EINVAL, "hugetlb:unreserve",
                    "cannot drop " + n + " of " + resv[hidx(order)] + " reservations");
            unreserveHugetlbLocked(order, n);
        } finally {
            map.meta.unlock();
        }
    }

    long allocFolio(int prefNid, int order, boolean consumeReservation, boolean thisNodeOnly) {
        checkOrder(order);
        KernelException.require(prefNid >= 0 && prefNid < map.nodes.length, Errno.EINVAL, "hugetlb:node",
                "no node " + prefNid);
        map.meta.lock();
        try {
            if (thisNodeOnly && pool(map.nodes[prefNid], order).size() == 0) {
                return -1;
            }
            long resvBefore = resv[hidx(order)];
            if (!consumeReservation && totalFree(order) - resvBefore <= 0) {
                return -1;
            }
            long head = allocHugetlbLocked(prefNid, order);
            if (!consumeReservation) {
                // an unreserved allocation must not consume somebody else's reservation
                resv[hidx(order)] = resvBefore;
            }
            return head;
        } finally {
            map.meta.unlock();
        }
    }

    long nrHugepages(int nid, int order) {
        checkOrder(order);
        return order == MmConstants.PUD_ORDER ? map.nodes[nid].nrHuge1g : map.nodes[nid].nrHuge2m;
    }

    long freeHugepages(int nid, int order) {
        checkOrder(order);
        return pool(map.nodes[nid], order).size();
    }

    long resvHugepages(int order) {
        checkOrder(order);
        return resv[hidx(order)];
    }

    /** {@code set_max_huge_pages()} for one node: grows from the buddy allocator, shrinks by free pages only. */
    void setNrHugepages(int nid, int order, long count) {
        checkOrder(order);
        KernelException.require(nid >= 0 && nid < map.nodes.length, Errno.EINVAL, "hugetlb:node", "no node " + nid);
        KernelException.require(count >= 0, Errno.EINVAL, "hugetlb:count", "negative count");
        NodeMem m = map.nodes[nid];
        boolean giga = order == MmConstants.PUD_ORDER;
        m.zoneLock.lock();
        long grown = 0;
        try {
            map.meta.lock();
            try {
                while ((giga ? m.nrHuge1g : m.nrHuge2m) < count) {
                    long head = giga ? folios.takeGiganticLocked(m, false)
                            : folios.takeWholeBlockLocked(m, 0, B_HUGETLB, false);
                    if (head < 0) {
                        break;
                    }
                    pool(m, order).push(head);
                    if (giga) {
                        m.nrHuge1g++;
                    } else {
                        m.nrHuge2m++;
                    }
                    grown++;
                }
                // Shrinking frees only free pages, and never below the reservations (set_max_huge_pages).
                while ((giga ? m.nrHuge1g : m.nrHuge2m) > count && pool(m, order).size() > 0
                        && totalFree(order) > resv[hidx(order)]) {
                    long head = pool(m, order).popHighest();
                    int b = MemMap.block(m, head);
                    if (giga) {
                        folios.freeGiganticLocked(m, b >>> 9);
                        m.nrHuge1g--;
                    } else {
                        folios.freeBlockLocked(m, b);
                        m.nrHuge2m--;
                    }
                }
            } finally {
                map.meta.unlock();
            }
            kernel.work(grown * costs.hugetlbPoolAllocNs());
        } finally {
            m.zoneLock.unlock();
        }
    }
}
