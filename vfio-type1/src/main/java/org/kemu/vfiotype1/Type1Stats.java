package org.kemu.vfiotype1;

import java.util.List;
import java.util.NavigableMap;
import org.kemu.schedfair.LockStats;

/**
 * What a container's pin path and IOMMU side did since it was opened, for reports. Times are
 * virtual ns summed over every task that pinned (so with N threads they can exceed the wall time).
 *
 * @param runs {@code vfio_pin_pages_remote()} calls (physically contiguous runs attempted)
 * @param batchRefills {@code vaddr_get_pfns()} calls (GUP batch refills, PFNMAP lookups included)
 * @param pagesPinned pages GUP pinned for the pin path
 * @param reservedPages reserved/PFNMAP pages mapped without a pin
 * @param lockAcctCalls {@code vfio_lock_acct()} calls that took the mmap write lock
 * @param lockAcctNs CPU time of those calls under the mmap write lock (the waits for the lock are
 *     in {@code mmapLocks})
 * @param lockCacheRefills patch 8 cache refills that succeeded
 * @param lockCacheRefillFailures refills that failed with ENOMEM (not fatal)
 * @param unpinCalls {@code vfio_unpin_pages_remote()} calls
 * @param pagesUnpinned pages unpinned (unmap, unwinds, leftovers)
 * @param padataJobs padata jobs started
 * @param padataChunks {@code vfio_pin_map_dma_chunk()} calls
 * @param gupNs time inside {@code pin_user_pages_remote()} calls whose first page was present
 * @param faultClearNs time inside {@code pin_user_pages_remote()} calls that had to fault their
 *     first page in (faulting and clearing included)
 * @param iommuMapCalls {@code iommu_map()} calls over every domain
 * @param iommuUnmapCalls {@code iommu_unmap()}/{@code _fast} calls over every domain
 * @param iotlbSyncs IOTLB flushes over every domain
 * @param ptesByPageSize present IOMMU leaves of the first domain by page size
 * @param domains each domain's own counters, by attach order
 * @param containerMutex the container mutex ({@code vfio_iommu.lock})
 * @param mmapLocks the mmap locks of the address spaces that mapped
 * @param domainLocks the per-domain page-table locks, for drivers that have one
 * @param runsByPages runs {@code vfio_pin_pages_remote()} returned, by size in 4 KiB pages (an
 *     HdrHistogram of 3 significant digits: a key is its bucket's lowest size)
 * @param lockAcctAtomicCalls {@code vfio_lock_acct()} calls that charged the atomic locked_vm with no
 *     mmap lock ({@link PinLocking#atomicLockedVm()}, ktask v4)
 * @param mmapReadLocks the pin path's mmap lock read acquisitions: one per GUP batch, or one per run
 *     with {@link PinLocking#readLockPerRun()}
 * @param pagesByCpuAndMemoryNode pinned pages of the returned runs by the node of the CPU the pinning
 *     task ended the run on, then the node of the memory they are on (reserved pfns left out): the
 *     off-diagonal entries are pages whose struct page reads and pins were remote
 */
public record Type1Stats(long runs, long batchRefills, long pagesPinned, long reservedPages, long lockAcctCalls,
        long lockAcctNs, long lockCacheRefills, long lockCacheRefillFailures, long unpinCalls, long pagesUnpinned,
        long padataJobs, long padataChunks, long gupNs, long faultClearNs, long iommuMapCalls, long iommuUnmapCalls,
        long iotlbSyncs, NavigableMap<Long, Long> ptesByPageSize, List<IommuStats> domains, LockStats containerMutex,
        List<LockStats> mmapLocks, List<LockStats> domainLocks, NavigableMap<Long, Long> runsByPages,
        long lockAcctAtomicCalls, long mmapReadLocks,
        NavigableMap<Integer, NavigableMap<Integer, Long>> pagesByCpuAndMemoryNode) {

    /** All time the domains charged (maps, unmaps, IOTLB flushes). */
    public long iommuNs() {
        return domains.stream().mapToLong(IommuStats::costNs).sum();
    }
}
