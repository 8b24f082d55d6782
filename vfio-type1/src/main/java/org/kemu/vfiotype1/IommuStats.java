package org.kemu.vfiotype1;

/**
 * Counters of one domain since it was allocated.
 *
 * @param mapCalls {@code iommu_map()} calls, failed ones included
 * @param mapFailures calls that returned an error (after unrolling)
 * @param mapPagesCalls driver {@code map_pages} calls (one per page-size chunk)
 * @param unmapCalls {@code iommu_unmap()} and {@code iommu_unmap_fast()} calls, unrolls included
 * @param ptesWritten leaves written
 * @param ptesCleared leaves cleared
 * @param iotlbSyncs IOTLB flushes of a non-empty gather
 * @param costNs all time charged by this domain
 * @param maxAddrTransfers line transfers of VT-d's shared {@code dmar_domain->max_addr} (0 for a
 *     driver without it)
 */
public record IommuStats(long mapCalls, long mapFailures, long mapPagesCalls, long unmapCalls, long ptesWritten,
        long ptesCleared, long iotlbSyncs, long costNs, long maxAddrTransfers) {
}
