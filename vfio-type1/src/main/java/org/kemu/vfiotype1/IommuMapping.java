package org.kemu.vfiotype1;

/**
 * A run of {@code count} IO page-table leaves of one size, contiguous in IOVA and in physical
 * address, with one protection: the unit an IO page table is stored and reported in (a 128 GiB
 * hugetlb map is one such run of 65536 2 MiB leaves, not 65536 objects).
 */
public record IommuMapping(long iova, long paddr, long pgsize, long count, IommuProt prot) {
    public long size() {
        return pgsize * count;
    }

    /** Inclusive last IOVA. */
    public long last() {
        return iova + size() - 1;
    }

    /** The physical address {@code iova} translates to; {@code iova} must be inside. */
    public long phys(long at) {
        return paddr + (at - iova);
    }
}
