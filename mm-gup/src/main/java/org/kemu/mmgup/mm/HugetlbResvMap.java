package org.kemu.mmgup.mm;

import java.util.BitSet;

/**
 * The reserve map ({@code struct resv_map}) of a private hugetlb mapping (MAP_PRIVATE |
 * MAP_ANONYMOUS | MAP_HUGETLB), shared by the VMAs a split makes of it, indexed by huge-page offset
 * in the mapping. For private mappings the map has the inverted meaning 5.14 documents in
 * {@code __vma_reservation_common()}: no entry at an index means the reservation taken at mmap is
 * still there; an entry means it was consumed by a fault ({@code vma_commit_reservation}).
 * {@code mapping} is this mapping's identity for {@code hugetlb_fault_mutex_hash()} (the kernel
 * hashes the address_space pointer; here a number given in mmap order, so hashing is deterministic).
 * Guarded by the faulting page's fault mutex per index, and the mmap lock held for write for splits
 * and closes.
 */
final class HugetlbResvMap {
    final long mapping;
    private final BitSet consumed = new BitSet();

    HugetlbResvMap(long mapping) {
        this.mapping = mapping;
    }

    /** {@code vma_needs_reservation() == 0}: the reservation of {@code idx} is still there to consume. */
    synchronized boolean hasReservation(long idx) {
        return !consumed.get(Math.toIntExact(idx));
    }

    /** {@code vma_commit_reservation()}: {@code region_add(idx, idx + 1)}. */
    synchronized void commit(long idx) {
        consumed.set(Math.toIntExact(idx));
    }

    /** {@code restore_reserve_on_error()} of a page that consumed the reservation: {@code region_del}. */
    synchronized void restore(long idx) {
        consumed.clear(Math.toIntExact(idx));
    }

    /**
     * Reservations still held in {@code [from, to)}: the pages minus {@code region_count()}, what
     * {@code hugetlb_vm_op_close()} gives back for a VMA covering that range.
     */
    synchronized long reservedIn(long from, long to) {
        int f = Math.toIntExact(from);
        int t = Math.toIntExact(to);
        return (t - f) - consumed.get(f, t).cardinality();
    }
}
