package org.kemu.lab;

/**
 * What the pin path spent, summed over every task that pinned (so with N threads the sums can
 * exceed the wall-clock pin time). All times are virtual ns.
 *
 * @param gupNs inside {@code pin_user_pages_remote} (faulting and clearing included when pages were absent)
 * @param faultClearNs the part of {@code gupNs} spent faulting pages in and clearing them
 * @param accountingNs CPU time of the {@code vfio_lock_acct} calls under the mmap write lock (calls x
 *     {@code vfio.lockAcctNs}); the waits for that lock are in {@code lockWaitNs}
 * @param iommuMapNs in {@code iommu_map} calls
 * @param lockWaitNs waiting for locks (mmap lock, container mutex, zone locks), from the runtime's lock statistics
 * @param runs {@code vfio_pin_pages_remote} calls (physically contiguous runs)
 * @param lockAcctCalls locked_vm charges taken under the mmap write lock
 */
public record PinStats(long gupNs, long faultClearNs, long accountingNs, long iommuMapNs, long lockWaitNs, long runs,
        long lockAcctCalls) {
}
