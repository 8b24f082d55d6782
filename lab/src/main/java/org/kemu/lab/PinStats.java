package org.kemu.lab;

/**
 * What the pin path spent, summed over every task that pinned (so with N threads the sums can
 * exceed the wall-clock pin time). All times are virtual ns.
 *
 * @param gupNs inside {@code pin_user_pages_remote} (faulting and clearing included when pages were absent)
 * @param faultClearNs the part of {@code gupNs} spent faulting pages in and clearing them
 * @param accountingNs in {@code vfio_lock_acct} and the lock cache, waits for the mmap write lock included
 * @param iommuMapNs in {@code iommu_map} calls
 * @param lockWaitNs waiting for locks (mmap lock, container mutex, zone locks), from the runtime's lock statistics
 * @param runs physically contiguous runs mapped
 * @param lockAcctCalls locked_vm charges taken under the mmap write lock
 */
public record PinStats(long gupNs, long faultClearNs, long accountingNs, long iommuMapNs, long lockWaitNs, long runs,
        long lockAcctCalls) {
}
