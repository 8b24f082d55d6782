package org.kemu.mmgup;

import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * Named costs of the memory-management paths, in ns of CPU time. Machine profiles set real values;
 * {@link #defaults()} gives round numbers of the right magnitude for tests.
 *
 * @param faultNs a 4 KiB anonymous fault: entry, VMA lookup, PTE install (without allocation or clearing)
 * @param hugeFaultNs a PMD/PUD-level fault of a THP or hugetlb folio (without allocation or clearing)
 * @param allocPageNs the page allocator per 4 KiB page taken (under the zone lock, amortised pcp refill)
 * @param allocFolioNs the page allocator per large folio taken
 * @param clearPageNs CPU part of clearing 4 KiB (clear_page_erms); the bytes also stream through the
 *     page's node at the machine's memory bandwidth
 * @param ptlInstallPageNs per PTE installed while holding the split page-table lock
 * @param zapPageNs munmap per 4 KiB page mapping torn down
 * @param zapFolioNs munmap per large folio mapping torn down (one PMD/PUD)
 * @param migratePageNs long-term pin migration per 4 KiB page (isolation, unmap, remap); the copy
 *     moves twice the page's bytes through the target node
 * @param hugetlbPoolAllocNs growing a hugetlb pool, per folio taken from the buddy allocator
 * @param ipiSendNs a synchronous TLB-flush IPI, initiator's side, per target CPU
 *     ({@code flush_tlb_mm_range -> native_flush_tlb_multi -> smp_call_function_many_cond}: the
 *     ICR write and its share of waiting for the target's acknowledgement)
 * @param ipiHandleNs a TLB-flush IPI, target's side: interrupt entry, {@code flush_tlb_func}
 *     ({@code invlpg}) and exit, taken from whatever the target CPU was running
 */
public record MmCosts(long faultNs, long hugeFaultNs, long allocPageNs, long allocFolioNs, long clearPageNs,
        long ptlInstallPageNs, long zapPageNs, long zapFolioNs, long migratePageNs, long hugetlbPoolAllocNs,
        long ipiSendNs, long ipiHandleNs) {

    public MmCosts {
        KernelException.require(faultNs >= 0 && hugeFaultNs >= 0 && allocPageNs >= 0 && allocFolioNs >= 0
                && clearPageNs >= 0 && ptlInstallPageNs >= 0 && zapPageNs >= 0 && zapFolioNs >= 0
                && migratePageNs >= 0 && hugetlbPoolAllocNs >= 0 && ipiSendNs >= 0 && ipiHandleNs >= 0, Errno.EINVAL, "mm_costs", "negative cost");
    }

    public static MmCosts defaults() {
        return new MmCosts(250, 1_000, 60, 400, 100, 20, 30, 200, 1_000, 2_000, 500, 500);
    }

    public static MmCosts free() {
        return new MmCosts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }
}
