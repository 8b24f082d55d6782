package org.kemu.vfiotype1;

/**
 * What {@code iommu_pgsize()} returns: the leaf size for the next chunk and how many leaves of it
 * the driver's {@code map_pages}/{@code unmap_pages} installs or removes in one call.
 */
public record PgsizeChoice(long pgsize, long count) {
    /** Bytes covered by the chunk. */
    public long bytes() {
        return pgsize * count;
    }
}
