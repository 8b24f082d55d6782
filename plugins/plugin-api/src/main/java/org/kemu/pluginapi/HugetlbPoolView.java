package org.kemu.pluginapi;

/**
 * The hugetlb pools (one per node and huge page order, {@code struct hstate}) as a hugetlb job
 * sees them: the sysfs counters, pool growth, reservations and folio allocation.
 * Orders are 9 (2 MiB) and 18 (1 GiB).
 */
@Stable
public interface HugetlbPoolView {

    /** {@code nr_hugepages} of {@code order} on {@code nid}. */
    long nrHugepages(int nid, int order);

    /** {@code free_hugepages} of {@code order} on {@code nid}. */
    long freeHugepages(int nid, int order);

    /** {@code resv_hugepages} of {@code order}, over all nodes. */
    long resvHugepages(int order);

    /** Writing {@code nr_hugepages}: grows or shrinks the node's pool, charging the allocation costs. */
    void setNrHugepages(int nid, int order, long count);

    /**
     * A fresh folio of {@code order} on {@code nid} for a boot-time pool, not yet in it
     * ({@code only_alloc_fresh_hugetlb_folio()}: the free-list removal under the node's zone lock,
     * the rest after it); its head pfn, or -1 when the node has no free block of the order. Add it
     * with {@link #addAllocatedFolios}.
     */
    long allocFreshFolio(int nid, int order);

    /** {@code prep_and_add_allocated_folios()}: {@code heads[0..n)} join their nodes' pools under {@code hugetlb_lock}. */
    void addAllocatedFolios(int order, long[] heads, int n);

    /** {@code hugetlb_reserve_pages()}: reserves {@code n} pages of {@code order}; false when the pools cannot. */
    boolean reservePages(int order, long n);

    /** Drops {@code n} reservations of {@code order} (an unused reservation given back). */
    void unreservePages(int order, long n);

    /**
     * {@code alloc_hugetlb_folio()}: a free folio of {@code order}, from {@code prefNid} first (or only,
     * with {@code thisNodeOnly}); its head pfn, or -1 when none is available.
     */
    long allocFolio(int prefNid, int order, boolean consumeReservation, boolean thisNodeOnly);

    /** {@code folio_put()} of a pool folio from {@link #allocFolio}: back to its node's pool. */
    void freeFolio(long head);
}
