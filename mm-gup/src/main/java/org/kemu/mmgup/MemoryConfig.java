package org.kemu.mmgup;

import java.util.Objects;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * The physical memory of the emulated machine.
 *
 * @param bytesPerNode RAM per NUMA node, rounded down to 2 MiB; 0 takes the machine topology's value
 * @param movableFraction share of each node (at its top, as movablecore= does) in ZONE_MOVABLE
 * @param layout how the allocator lays out allocations
 * @param fragmentedOccupiedPerBlock with {@link LayoutPolicy#FRAGMENTED}: how many of the 512 pages of
 *     every 2 MiB block other users already hold (1..511)
 * @param bootHugepages2mPerNode 2 MiB hugetlb pages reserved per node at boot (hugepages=)
 * @param bootHugepages1gPerNode 1 GiB hugetlb pages reserved per node at boot (hugepagesz=1G hugepages=)
 */
public record MemoryConfig(long bytesPerNode, double movableFraction, LayoutPolicy layout,
        int fragmentedOccupiedPerBlock, long bootHugepages2mPerNode, long bootHugepages1gPerNode) {

    public MemoryConfig {
        Objects.requireNonNull(layout, "layout");
        KernelException.require(bytesPerNode >= 0, Errno.EINVAL, "memory:bytes", "negative memory size");
        KernelException.require(movableFraction >= 0 && movableFraction < 1, Errno.EINVAL,
                "memory:movable", "movable fraction must be in [0, 1)");
        KernelException.require(fragmentedOccupiedPerBlock >= 1 && fragmentedOccupiedPerBlock < MmConstants.PMD_PAGES,
                Errno.EINVAL, "memory:fragmented", "occupied pages per block must be in 1..511");
        KernelException.require(bootHugepages2mPerNode >= 0 && bootHugepages1gPerNode >= 0, Errno.EINVAL,
                "memory:hugepages", "negative hugepage count");
    }

    /** Memory from the topology, no movable zone, contiguous layout, no hugetlb pool. */
    public static MemoryConfig defaults() {
        return new MemoryConfig(0, 0, LayoutPolicy.CONTIGUOUS, 64, 0, 0);
    }

    public static MemoryConfig ofBytesPerNode(long bytes) {
        return defaults().withBytesPerNode(bytes);
    }

    public MemoryConfig withBytesPerNode(long b) {
        return new MemoryConfig(b, movableFraction, layout, fragmentedOccupiedPerBlock, bootHugepages2mPerNode,
                bootHugepages1gPerNode);
    }

    public MemoryConfig withMovableFraction(double f) {
        return new MemoryConfig(bytesPerNode, f, layout, fragmentedOccupiedPerBlock, bootHugepages2mPerNode,
                bootHugepages1gPerNode);
    }

    public MemoryConfig withLayout(LayoutPolicy l) {
        return new MemoryConfig(bytesPerNode, movableFraction, l, fragmentedOccupiedPerBlock, bootHugepages2mPerNode,
                bootHugepages1gPerNode);
    }

    public MemoryConfig withFragmentedOccupiedPerBlock(int n) {
        return new MemoryConfig(bytesPerNode, movableFraction, layout, n, bootHugepages2mPerNode,
                bootHugepages1gPerNode);
    }

    public MemoryConfig withBootHugepages(long per2mNode, long per1gNode) {
        return new MemoryConfig(bytesPerNode, movableFraction, layout, fragmentedOccupiedPerBlock, per2mNode,
                per1gNode);
    }
}
