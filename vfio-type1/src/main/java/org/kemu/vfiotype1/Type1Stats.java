package org.kemu.vfiotype1;

import java.util.List;
import java.util.NavigableMap;
import org.kemu.schedfair.LockStats;

/**
 * What a container's pin path and IOMMU side did since it was opened, for reports.
 *
 * @param runs {@code vfio_pin_pages_remote()} calls (physically contiguous runs attempted)
 * @param batchRefills {@code vaddr_get_pfns()} calls (GUP batch refills, PFNMAP lookups included)
 * @param pagesPinned pages GUP pinned for the pin path
 * @param reservedPages reserved/PFNMAP pages mapped without a pin
 * @param lockAcctCalls {@code vfio_lock_acct()} calls that took the mmap write lock
 * @param lockCacheRefills patch 8 cache refills that succeeded
 * @param lockCacheRefillFailures refills that failed with ENOMEM (not fatal)
 * @param unpinCalls {@code vfio_unpin_pages_remote()} calls
 * @param pagesUnpinned pages unpinned (unmap, unwinds, leftovers)
 * @param padataJobs padata jobs started
 * @param padataChunks {@code vfio_pin_map_dma_chunk()} calls
 * @param iommuMapCalls {@code iommu_map()} calls over every domain
 * @param iommuUnmapCalls {@code iommu_unmap()}/{@code _fast} calls over every domain
 * @param iotlbSyncs IOTLB flushes over every domain
 * @param ptesByPageSize present IOMMU leaves of the first domain by page size
 * @param ptesWrittenByDomain leaves written per domain (by attach order)
 * @param containerMutex the container mutex ({@code vfio_iommu.lock})
 * @param mmapLocks the mmap locks of the address spaces that mapped
 * @param domainLocks the per-domain page-table locks, for drivers that have one
 */
public record Type1Stats(long runs, long batchRefills, long pagesPinned, long reservedPages, long lockAcctCalls,
        long lockCacheRefills, long lockCacheRefillFailures, long unpinCalls, long pagesUnpinned, long padataJobs,
        long padataChunks, long iommuMapCalls, long iommuUnmapCalls, long iotlbSyncs,
        NavigableMap<Long, Long> ptesByPageSize, List<Long> ptesWrittenByDomain, LockStats containerMutex,
        List<LockStats> mmapLocks, List<LockStats> domainLocks) {
}
