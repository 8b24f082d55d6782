package org.kemu.vfiotype1;

/**
 * {@code struct iommu_iotlb_gather}: the IOVA span unmapped since the last sync and not yet
 * invalidated in the IOTLB. {@code iommu_unmap_fast()} adds to it; {@code iommu_iotlb_sync()} flushes
 * it. Pages whose translation is only gathered may still be reached by the device, so callers
 * unpin them only after the sync (docs/kernel/vfio-gup.md section 1.8).
 *
 * <p>Not thread-safe: like the kernel's, a gather lives on one task's stack.
 */
public final class IommuGather {
    private long start = -1L;
    private long last;
    private long pages;
    private long bytes;
    private int regions;

    /** {@code iommu_iotlb_gather_init}. */
    public IommuGather() {
        reset();
    }

    /** Records an unmapped range of {@code size} bytes cleared as {@code leaves} leaves. */
    public void addRange(long iova, long size, long leaves) {
        long l = iova + size - 1;
        if (isEmpty()) {
            start = iova;
            last = l;
        } else {
            if (Long.compareUnsigned(iova, start) < 0) {
                start = iova;
            }
            if (Long.compareUnsigned(l, last) > 0) {
                last = l;
            }
        }
        pages += leaves;
        bytes += size;
    }

    /** Counts one caller-level region (type1 syncs every VFIO_IOMMU_TLB_SYNC_MAX = 512 of them). */
    public void addRegion() {
        regions++;
    }

    public boolean isEmpty() {
        return pages == 0;
    }

    public long start() {
        return start;
    }

    public long last() {
        return last;
    }

    /** Leaves cleared into this gather. */
    public long pages() {
        return pages;
    }

    public long bytes() {
        return bytes;
    }

    public int regions() {
        return regions;
    }

    /** Empties the gather after a sync. */
    public void reset() {
        start = -1L;
        last = 0;
        pages = 0;
        bytes = 0;
        regions = 0;
    }
}
