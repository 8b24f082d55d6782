package org.kemu.mmgup.phys;

import static org.kemu.mmgup.phys.MemMap.B_HUGETLB;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmCosts;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.SpinLock;

/**
 * The hugetlb pools (mm/hugetlb.c), one per node and huge page size (hstate of order 9 or 18): free
 * folios in a LIFO list ({@link LongStack}: freed pages go to the head, allocation takes the head), {@code nr_hugepages} per node, and the global
 * reservation count {@code resv_huge_pages} of each hstate. Pool pages are carved from the buddy
 * allocator at boot ({@code hugepages=}) or when {@code nr_hugepages} grows, and go back to it only
 * when the pool shrinks.
 *
 * <p>A reservation is held either by a hugetlb mapping (its reserve map says which of its pages are
 * still reserved; the pool keeps the live mappings so the reservation checker can add them up) or
 * directly through {@link #reservePages} (the public pool API, for users without a mapping).
 */
public final class HugetlbPool {
    /** A live hugetlb mapping (VMA) as the reservation checker sees it. */
    public interface Mapping {
        /** Its huge page order. */
        int order();

        /** Pages of the mapping whose reservation is still held: its pages minus {@code region_count()}. */
        long reservedUnfaulted();
    }

    private final Kernel kernel;
    private final MmCosts costs;
    private final MemMap map;
    private final LargeFolioAlloc folios;
    /**
     * {@code hugetlb_lock}: only the boot-time path of {@link #addAllocatedFolios} takes it. The
     * fault path's dequeue and {@link #setNrHugepages} do their pool updates without it (they charge
     * their cost under the fault mutex or the zone lock).
     */
    private final SpinLock hugetlbLock;
    /** {@code resv_huge_pages} of the 2 MiB and the 1 GiB hstate. */
    private final long[] resv = new long[2];
    /** The part of {@link #resv} taken through {@link #reservePages} rather than by a mapping. */
    private final long[] directResv = new long[2];
    /** Live hugetlb mappings: bookkeeping for the checker, outside the model (a host-synchronised set, no emulated lock). */
    private final Set<Mapping> mappings = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

    /**
     * Carves the boot-time pools ({@code hugepages=} per node) before anything else runs, so fragmentation does not hit them.
     *
     * <p>The order this leaves on the free lists (5.14): 2 MiB pages come from {@code alloc_pool_huge_page()} ->
     * {@code alloc_buddy_huge_page()}, and the buddy allocator of a fresh zone hands out order-9 blocks in
     * ascending pfn order ({@code __free_pages_core()} queued the boot memory at the free-list tails,
     * {@code FPI_TO_TAIL}; {@code __rmqueue_smallest()} takes the first block and {@code expand()} keeps the
     * low half); each is then freed into the pool ({@code put_page()} -> {@code free_huge_page()} ->
     * {@code enqueue_huge_page()}), to the head. 1 GiB pages are memblock allocations (top-down) put on
     * {@code huge_boot_pages} with {@code list_add()}, so {@code gather_bootmem_prealloc()} enqueues them
     * lowest first. Either way the head is the highest pfn: consecutive faults get descending pfns and no
     * two consecutive huge pages are physically contiguous in the order VFIO pins them.
     */
    HugetlbPool(Kernel kernel, MmCosts costs, MemMap map, LargeFolioAlloc folios) {
        this.kernel = kernel;
        this.costs = costs;
        this.map = map;
        this.folios = folios;
        this.hugetlbLock = kernel.spinlock("hugetlb_lock");
        MemoryConfig config = map.config;
        for (NodeMem m : map.nodes) {
            for (long i = 0; i < config.bootHugepages1gPerNode(); i++) {
                long head = folios.takeGiganticLocked(m, true);
                if (head < 0) {
                    throw new KernelException(Errno.ENOMEM, "hugepages=1G",
                            "node " + m.nid + " has no room for " + config.bootHugepages1gPerNode() + " 1 GiB pages");
                }
                m.hugeFree1g.push(head);
                m.nrHuge1g++;
            }
            for (long i = 0; i < config.bootHugepages2mPerNode(); i++) {
                long head = folios.takeWholeBlockLocked(m, 0, B_HUGETLB, true);
                // the message only on failure: this runs once per boot page, 490,000 times for 980 GiB
                if (head < 0) {
                    throw new KernelException(Errno.ENOMEM, "hugepages=2M",
                            "node " + m.nid + " has no room for " + config.bootHugepages2mPerNode() + " 2 MiB pages");
                }
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

    /**
     * {@code dequeue_huge_page_vma()}: takes the head of a free list ({@code dequeue_huge_page_node_exact()})
     * (refcount 1), preferring node {@code prefNid};
     * -1 if none. With {@code useReserve} (the faulting mapping still holds the page's reservation,
     * {@code vma_has_reserves}) it consumes one reservation ({@code resv_huge_pages--}); without, it
     * takes only a page nobody has reserved.
     */
    public long allocHugetlbLocked(int prefNid, int order, boolean useReserve) {
        if (!useReserve && totalFree(order) - resv[hidx(order)] <= 0) {
            return -1;
        }
        NodeMem[] nodes = map.nodes;
        for (int k = 0; k < nodes.length; k++) {
            LongStack s = pool(nodes[(prefNid + k) % nodes.length], order);
            if (s.size() > 0) {
                long head = s.pop();
                NodeMem m = map.node(head);
                int b = MemMap.block(m, head);
                if (order == MmConstants.PUD_ORDER) {
                    m.gigaRef[b >>> 9] = 1;
                } else {
                    m.gigas[b >>> 9].hugeRef[b & 511] = 1;
                }
                if (useReserve) {
                    resv[hidx(order)]--;
                }
                return head;
            }
        }
        return -1;
    }

    /**
     * {@code free_huge_page()} of a page with HPageRestoreReserve ({@code restore_reserve_on_error}):
     * the reservation a failed fault consumed is given back.
     */
    public void restoreReserveLocked(int order) {
        resv[hidx(order)]++;
    }

    /** A hugetlb mapping came to life (mmap, or the new part of a split). */
    public void addMapping(Mapping m) {
        mappings.add(m);
    }

    /** A hugetlb mapping was closed ({@code hugetlb_vm_op_close}). */
    public void removeMapping(Mapping m) {
        mappings.remove(m);
    }

    /** Reservations of {@code order} held by live mappings: the sum of their reserve maps. */
    long reservedByMappings(int order) {
        long n = 0;
        synchronized (mappings) {
            for (Mapping m : mappings) {
                if (m.order() == order) {
                    n += m.reservedUnfaulted();
                }
            }
        }
        return n;
    }

    long directReservations(int order) {
        checkOrder(order);
        return directResv[hidx(order)];
    }

    /** {@code free_huge_page()} -> {@code enqueue_huge_page()}: a pool folio whose last reference went returns to the head of its node's free list. */
    void enqueueLocked(NodeMem m, long head, boolean gigantic) {
        (gigantic ? m.hugeFree1g : m.hugeFree2m).push(head);
    }

    boolean reservePages(int order, long n) {
        checkOrder(order);
        KernelException.require(n >= 0, Errno.EINVAL, "hugetlb:reserve", "negative count");
        map.meta.lock();
        try {
            if (!reserveHugetlbLocked(order, n)) {
                return false;
            }
            directResv[hidx(order)] += n;
            return true;
        } finally {
            map.meta.unlock();
        }
    }

    void unreservePages(int order, long n) {
        checkOrder(order);
        map.meta.lock();
        try {
            KernelException.require(n >= 0 && n <= directResv[hidx(order)], Errno.EINVAL, "hugetlb:unreserve",
                    "cannot drop " + n + " of " + directResv[hidx(order)] + " reservations");
            directResv[hidx(order)] -= n;
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
            // only a reservation taken through reservePages can be consumed here, never a mapping's
            boolean useReserve = consumeReservation && directResv[hidx(order)] > 0;
            long head = allocHugetlbLocked(prefNid, order, useReserve);
            if (head >= 0 && useReserve) {
                directResv[hidx(order)]--;
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

    /**
     * One fresh folio of {@code order} on {@code nid} for the boot-time pool (6.9's
     * {@code alloc_pool_huge_folio()} -> {@code only_alloc_fresh_hugetlb_folio()}): the block comes
     * off the node's free list under its zone lock ({@code rmqueue}: {@code allocPageNs}, the same
     * free-list removal a small page costs), the rest of the allocation runs after it
     * ({@code hugetlbPoolAllocNs} less that). The folio is the caller's until
     * {@link #addAllocatedFolios}; -1 when the node has no free block of the order.
     */
    long allocFreshFolio(int nid, int order) {
        checkOrder(order);
        KernelException.require(nid >= 0 && nid < map.nodes.length, Errno.EINVAL, "hugetlb:node", "no node " + nid);
        NodeMem m = map.nodes[nid];
        long head;
        m.zoneLock.lock();
        try {
            map.meta.lock();
            try {
                head = order == MmConstants.PUD_ORDER ? folios.takeGiganticLocked(m, false)
                        : folios.takeWholeBlockLocked(m, 0, B_HUGETLB, false);
            } finally {
                map.meta.unlock();
            }
            if (head >= 0) {
                kernel.work(costs.allocPageNs());
            }
        } finally {
            m.zoneLock.unlock();
        }
        if (head >= 0) {
            kernel.work(Math.max(0, costs.hugetlbPoolAllocNs() - costs.allocPageNs()));
        }
        return head;
    }

    /**
     * {@code prep_and_add_allocated_folios()}: the folios {@code heads[0..n)} of {@code order}, each
     * from {@link #allocFreshFolio}, join their nodes' pools ({@code nr_hugepages} and the free
     * list) in one {@code hugetlb_lock} hold.
     */
    void addAllocatedFolios(int order, long[] heads, int n) {
        checkOrder(order);
        KernelException.require(n >= 0 && n <= heads.length, Errno.EINVAL, "hugetlb:batch", "batch of " + n + " folios");
        if (n == 0) {
            return;
        }
        boolean giga = order == MmConstants.PUD_ORDER;
        SpinLock l = hugetlbLock;
        l.lock();
        try {
            map.meta.lock();
            try {
                for (int i = 0; i < n; i++) {
                    NodeMem m = map.nodes[map.nodeOf(heads[i])];
                    pool(m, order).push(heads[i]);
                    if (giga) {
                        m.nrHuge1g++;
                    } else {
                        m.nrHuge2m++;
                    }
                }
            } finally {
                map.meta.unlock();
            }
        } finally {
            l.unlock();
        }
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
                // Shrinking frees only free pages, and never below the reservations (set_max_huge_pages);
                // remove_pool_huge_page() takes the head of the free list.
                while ((giga ? m.nrHuge1g : m.nrHuge2m) > count && pool(m, order).size() > 0
                        && totalFree(order) > resv[hidx(order)]) {
                    long head = pool(m, order).pop();
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
