package org.kemu.vfiotype1;

import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * An IOMMU paging domain ({@code struct iommu_domain}) with the IOMMU core's map and unmap entry
 * points (drivers/iommu/iommu.c, docs/kernel/vfio-gup.md section 5). Map, unmap and sync are emulated kernel code: call
 * them from inside a task; each charges its time as one work item. Failures throw
 * {@link org.kemu.schedfair.KernelException} with the kernel's errno and leave the table as before.
 */
public interface IommuDomain {
    String name();

    IommuDomainSpec spec();

    default long pgsizeBitmap() {
        return spec().pgsizeBitmap();
    }

    default IovaRange aperture() {
        return spec().aperture();
    }

    /**
     * {@code iommu_map()}: EINVAL unless {@code iova | paddr | size} is aligned to the minimum page
     * size; the range is cut into chunks by {@code iommu_pgsize()}; a failing chunk unmaps what this
     * call mapped and the error is returned; a zero size maps nothing.
     */
    void map(long iova, long paddr, long size, IommuProt prot);

    /**
     * {@code iommu_unmap()}: unmap then IOTLB sync. Returns the bytes unmapped: 0 when misaligned,
     * short at the first hole, possibly more than asked for when a large leaf is removed whole.
     */
    long unmap(long iova, long size);

    /** {@code iommu_unmap_fast()}: like {@link #unmap} but only gathers; the caller must sync. */
    long unmapFast(long iova, long size, IommuGather gather);

    /** {@code iommu_iotlb_sync()}: flushes a non-empty gather (charged) and empties it. */
    void iotlbSync(IommuGather gather);

    /** {@code iommu_iova_to_phys()}: the physical address, or 0 when nothing is mapped there. */
    long iovaToPhys(long iova);

    /** The run of leaves containing {@code iova}, if any. */
    Optional<IommuMapping> lookup(long iova);

    /** Every run in IOVA order. */
    List<IommuMapping> mappings();

    /**
     * Hands every run to {@code visit} in IOVA order without building the list: a terabyte guest of
     * 4 KiB pages maps millions of runs, and a checker walking them should not hold them all at once.
     */
    default void forEachMapping(java.util.function.Consumer<IommuMapping> visit) {
        mappings().forEach(visit);
    }

    /** The runs that overlap {@code [start, last]}, in IOVA order, not clipped. */
    List<IommuMapping> mappings(long start, long last);

    /** {@link #mappings(long, long)} handed to {@code visit} one at a time, as {@link #forEachMapping(java.util.function.Consumer)}. */
    default void forEachMapping(long start, long last, java.util.function.Consumer<IommuMapping> visit) {
        mappings(start, last).forEach(visit);
    }

    /** Leaves of size {@code pgsize} currently present. */
    long mappedPtes(long pgsize);

    /** Present leaves by size (only sizes with a non-zero count). */
    NavigableMap<Long, Long> pteCounts();

    long mappedBytes();

    default boolean isEmpty() {
        return mappedBytes() == 0;
    }

    IommuStats stats();

    /** WARN_ON()s the driver hit (the mock's unmap-superset check, overwrites ...). */
    List<String> warnings();
}
