package org.kemu.hugetlbfallocate;

import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * Costs of hugetlbfs_fallocate per huge page beyond allocation and clearing (which the memory
 * subsystem's {@code MmCosts.clearPageNs} and the machine's bandwidth give), in ns of CPU.
 *
 * @param lookupNs taking the hugetlb fault mutex of the index and looking it up in the page cache
 * @param dequeueNs taking a free folio off the node's hugetlb free list, under hugetlb_lock
 * @param pageCacheInsertNs hugetlb_add_to_page_cache and unlocking the folio
 * @param freeNs giving a folio back to the pool on undo (free_huge_folio under hugetlb_lock)
 */
public record FallocateCosts(long lookupNs, long dequeueNs, long pageCacheInsertNs, long freeNs) {
    public FallocateCosts {
        KernelException.require(lookupNs >= 0 && dequeueNs >= 0 && pageCacheInsertNs >= 0 && freeNs >= 0,
                Errno.EINVAL, "fallocate_costs", "negative cost");
    }

    /** Round numbers of the right magnitude; profiles set real ones. */
    public static FallocateCosts defaults() {
        return new FallocateCosts(300, 200, 500, 300);
    }
}
