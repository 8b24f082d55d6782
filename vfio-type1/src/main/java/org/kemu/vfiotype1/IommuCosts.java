package org.kemu.vfiotype1;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Time the IOMMU layer charges, in ns of CPU work. One {@code iommu_map}/{@code iommu_unmap} call
 * costs its per-call part plus the per-leaf part of every PTE it writes or clears, charged as one
 * work item (docs/kernel/vfio-gup.md section 5, "one driver call and potentially one IOTLB invalidation per chunk").
 *
 * @param mapCallNs fixed cost of one {@code iommu_map()} (core entry, driver entry, table walk start)
 * @param unmapCallNs fixed cost of one {@code iommu_unmap()}/{@code iommu_unmap_fast()}
 * @param mapPteNs cost of writing one leaf, by leaf size; a size without an entry uses the entry of
 *     the largest listed size below it, else {@code defaultPteNs}
 * @param unmapPteNs cost of clearing one leaf, by leaf size, looked up the same way
 * @param defaultPteNs per-leaf cost for sizes the two maps do not cover
 * @param iotlbSyncMapNs the driver's {@code iotlb_sync_map} after a successful map (0 for drivers
 *     without one; VT-d in caching mode and virtualised IOMMUs pay it)
 * @param iotlbFlushNs one {@code iommu_iotlb_sync()} of a non-empty gather (IOTLB invalidation)
 */
public record IommuCosts(long mapCallNs, long unmapCallNs, NavigableMap<Long, Long> mapPteNs,
        NavigableMap<Long, Long> unmapPteNs, long defaultPteNs, long iotlbSyncMapNs, long iotlbFlushNs) {

    public IommuCosts {
        mapPteNs = Collections.unmodifiableNavigableMap(new TreeMap<>(mapPteNs));
        unmapPteNs = Collections.unmodifiableNavigableMap(new TreeMap<>(unmapPteNs));
        if (mapCallNs < 0 || unmapCallNs < 0 || defaultPteNs < 0 || iotlbSyncMapNs < 0 || iotlbFlushNs < 0
                || mapPteNs.values().stream().anyMatch(v -> v < 0)
                || unmapPteNs.values().stream().anyMatch(v -> v < 0)) {
            throw new IllegalArgumentException("IOMMU costs must not be negative");
        }
    }

    /** Everything free: for tests that only check state. */
    public static final IommuCosts FREE = new IommuCosts(0, 0, new TreeMap<>(), new TreeMap<>(), 0, 0, 0);

    /**
     * Round test values (not calibrated; machine profiles set real ones): 500 ns per call, 10 ns per
     * leaf of any size, 2000 ns per IOTLB flush, no sync-map.
     */
    public static IommuCosts simple() {
        return new IommuCosts(500, 500, new TreeMap<>(), new TreeMap<>(), 10, 0, 2000);
    }

    /** Costs with one per-leaf value for each of the given sizes, for map and unmap alike. */
    public static IommuCosts of(long callNs, Map<Long, Long> pteNsBySize, long flushNs) {
        return new IommuCosts(callNs, callNs, new TreeMap<>(pteNsBySize), new TreeMap<>(pteNsBySize), 0, 0,
                flushNs);
    }

    public long mapPte(long pgsize) {
        return lookup(mapPteNs, pgsize);
    }

    public long unmapPte(long pgsize) {
        return lookup(unmapPteNs, pgsize);
    }

    private long lookup(NavigableMap<Long, Long> table, long pgsize) {
        Map.Entry<Long, Long> e = table.floorEntry(pgsize);
        return e == null ? defaultPteNs : e.getValue();
    }
}
