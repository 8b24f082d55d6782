package org.kemu.mmgup;

/**
 * The machine's physical memory: RAM per node and zone, page frames grouped in folios of order 0, 9
 * and 18, their reference and pin counts, hugetlb pools, and device (IO) pfn ranges without a struct
 * page. State is kept per 1 GiB and 2 MiB block with packed bitmaps, never per page object.
 *
 * <p>Pfns are node-major: node {@code n} owns {@code [nodeStartPfn(n), nodeStartPfn(n) + nodePages(n))},
 * and IO regions sit above all RAM. Queries take no locks and are meant for checks and reports; the
 * mm and GUP implementations mutate state under the kernel's locks.
 */
public interface PhysicalMemory {

    MemoryConfig config();

    int nrNodes();

    long nodeStartPfn(int nid);

    long nodePages(int nid);

    /** First pfn of {@code zone} on {@code nid}; ZONE_MOVABLE ends at the node's end. */
    long zoneStartPfn(int nid, Zone zone);

    /** {@code pfn_valid()}: the pfn is RAM with a struct page. */
    boolean pfnValid(long pfn);

    /** {@code is_invalid_reserved_pfn()}: no struct page, or PageReserved. VFIO never pins or charges these. */
    boolean isInvalidReserved(long pfn);

    int nodeOf(long pfn);

    Zone zoneOf(long pfn);

    /** Whether the page is allocated (in use by someone, pinned or mapped). */
    boolean isAllocated(long pfn);

    /** Order of the folio containing {@code pfn} (0 for a small page or a free page). */
    int folioOrder(long pfn);

    /** First pfn of the folio containing {@code pfn}. */
    default long folioHead(long pfn) {
        return pfn & -(1L << folioOrder(pfn));
    }

    boolean isHugetlb(long pfn);

    /** {@code folio_ref_count()} of the folio containing {@code pfn}. */
    int refcount(long pfn);

    /**
     * Pins held: exact {@code _pincount} for a large folio; for a small page, as the kernel can only
     * tell it, {@code refcount / GUP_PIN_COUNTING_BIAS}.
     */
    int pincount(long pfn);

    /** {@code folio_maybe_dma_pinned()}. */
    default boolean maybeDmaPinned(long pfn) {
        return pincount(pfn) > 0;
    }

    long freePages(int nid, Zone zone);

    default long totalFreePages() {
        long s = 0;
        for (int n = 0; n < nrNodes(); n++) {
            for (Zone z : Zone.values()) {
                s += freePages(n, z);
            }
        }
        return s;
    }

    /** Registers a device memory range (a BAR) of {@code nrPages}, aligned to 1 GiB; returns its first pfn. */
    long addIoRegion(long nrPages);

    /** {@code nr_hugepages} of {@code order} (9 or 18) on {@code nid}. */
    long nrHugepages(int nid, int order);

    /** {@code free_hugepages} of {@code order} on {@code nid}. */
    long freeHugepages(int nid, int order);

    /** {@code resv_hugepages} of {@code order}, all nodes. */
    long resvHugepages(int order);

    /**
     * {@code hugetlb_acct_memory()}: reserves {@code n} huge pages of {@code order} against the pools
     * (all nodes); false, with nothing reserved, when free minus reserved pages cannot cover them.
     * Must run in a task (takes the memory lock).
     */
    boolean hugetlbReservePages(int order, long n);

    /**
     * Drops {@code n} reservations of {@code order} (an unused reservation given back); EINVAL beyond
     * those taken through {@link #hugetlbReservePages} (a mapping's reservations go with the mapping).
     */
    void hugetlbUnreservePages(int order, long n);

    /**
     * {@code alloc_hugetlb_folio()} from the pool: a free huge page of {@code order} (refcount 1),
     * from {@code prefNid} first and then the other nodes in order unless {@code thisNodeOnly}; -1 when
     * none. With {@code consumeReservation} it uses one of the reservations taken by
     * {@link #hugetlbReservePages} (if none is left, it behaves as without); without, it takes only a
     * page nobody has reserved, never a mapping's reservation. Must run in a task.
     */
    long allocHugetlbFolio(int prefNid, int order, boolean consumeReservation, boolean thisNodeOnly);

    /**
     * Reservations of {@code order} the live hugetlb mappings hold: the sum over them of their pages
     * whose reservation their reserve map says is not yet consumed. With {@link #hugetlbDirectReservations}
     * it must make up {@link #resvHugepages} ({@link MmInvariants#checkHugetlbReservations}). Read when quiescent.
     */
    long hugetlbReservedByMappings(int order);

    /** Reservations of {@code order} taken through {@link #hugetlbReservePages} and not yet consumed or dropped. */
    long hugetlbDirectReservations(int order);

    /** {@code folio_put()} of a pool page obtained by {@link #allocHugetlbFolio}: back to its node's pool. */
    void freeHugetlbFolio(long head);

    /**
     * Writes {@code nr_hugepages} of {@code order} on {@code nid} (sysfs node attribute). Growing takes
     * folios from the buddy allocator (ZONE_NORMAL) as far as contiguous memory allows and, like the
     * kernel, silently stops short; shrinking frees only free huge pages. EINVAL for an order other
     * than 9 or 18 or a bad node. Must run in a task (it takes the zone lock and does work).
     */
    void setNrHugepages(int nid, int order, long count);

    /**
     * A fresh huge folio of {@code order} (9 or 18) on {@code nid} for a boot-time pool, not yet in
     * it (6.9's {@code only_alloc_fresh_hugetlb_folio()}): the free-list removal under the node's
     * zone lock, the rest of the allocation after it. Its head pfn, or -1 when the node has no free
     * block of the order. Must run in a task; the folio is the caller's until
     * {@link #addAllocatedHugetlbFolios}.
     */
    long allocFreshHugetlbFolio(int nid, int order);

    /**
     * {@code prep_and_add_allocated_folios()}: the folios {@code heads[0..n)} from
     * {@link #allocFreshHugetlbFolio} join their nodes' pools in one {@code hugetlb_lock} hold.
     */
    void addAllocatedHugetlbFolios(int order, long[] heads, int n);

    Vmstat vmstat();

    /** Pins held over all of memory, per 4 KiB page (sum of pin counts; for checkers). */
    long pinnedPages();

    /** Pfns of every page (or folio head) that holds a pin, up to {@code max} of them, ascending. */
    long[] pinnedPfns(int max);

    /**
     * User pages charged to memory cgroups, per group (each group alone, not its ancestors): the
     * {@code page->memcg_data} of every allocated anonymous page or THP whose fault charged a non-root
     * group ({@code mem_cgroup_charge}); for the invariant checker.
     */
    java.util.Map<org.kemu.schedfair.MemCgroup, Long> memcgUserCharges();

    /** Heap bytes of the emulated state (arrays and blocks), for scale benchmarks. */
    long estimatedHeapBytes();
}
