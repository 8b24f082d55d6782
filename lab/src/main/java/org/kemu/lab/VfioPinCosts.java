package org.kemu.lab;

import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * Time VFIO's own pin loop charges, in ns of CPU work, beside what GUP, locked_vm accounting and the
 * IOMMU charge themselves. Stand-in for vfio-type1's {@code Type1Costs} until its pin path is merged.
 *
 * @param batchRefillNs per refill of the 512-page batch ({@code vaddr_get_pfns}: mmap_read_lock, call setup)
 * @param pageNs per 4 KiB page in the 5.14 loop of {@code vfio_pin_pages_remote} (reserved-pfn and
 *     contiguity checks, page array walk)
 * @param runNs per physically contiguous run in the folio-batched loop ({@code num_pages_contiguous})
 * @param lockAcctNs CPU time of one {@code vfio_lock_acct} under the mmap write lock (rlimit check,
 *     {@code mm->locked_vm} update, the lock's cache lines pulled from the other pinning CPUs)
 * @param thpFollowPageNs extra per 4 KiB page when 5.14's per-page GUP walks a THP
 *     ({@code follow_page_mask -> follow_trans_huge_pmd} under the PMD lock) instead of a hugetlb page;
 *     belongs in mm-gup's GupCosts and is charged here until mm-gup distinguishes the walks
 */
public record VfioPinCosts(long batchRefillNs, long pageNs, long runNs, long lockAcctNs, long thpFollowPageNs) {
    public VfioPinCosts {
        KernelException.require(batchRefillNs >= 0 && pageNs >= 0 && runNs >= 0 && lockAcctNs >= 0
                && thpFollowPageNs >= 0, Errno.EINVAL, "vfio_pin_costs", "negative cost");
    }

    public static final VfioPinCosts FREE = new VfioPinCosts(0, 0, 0, 0, 0);
}
