package org.kemu.mmgup;

/**
 * How the page allocator lays out what it hands out, which decides how physically contiguous a guest
 * is (and so how many IOMMU map calls VFIO needs).
 */
public enum LayoutPolicy {
    /** A freshly booted machine: the lowest free page first, so consecutive allocations are adjacent. */
    CONTIGUOUS,
    /**
     * A long-running host: every 2 MiB block already holds a seeded scatter of other allocations
     * ({@link MemoryConfig#fragmentedOccupiedPerBlock()}), so no THP can be allocated at run time and
     * 4 KiB allocations come in short runs.
     */
    FRAGMENTED,
    /** Every page from a seeded random free position: practically no physical contiguity. */
    RANDOM
}
