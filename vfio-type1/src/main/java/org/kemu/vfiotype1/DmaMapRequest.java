package org.kemu.vfiotype1;

/**
 * {@code struct vfio_iommu_type1_dma_map} as user space passes it to VFIO_IOMMU_MAP_DMA.
 *
 * @param userBytes how many bytes at the user pointer are readable ({@code copy_from_user} of the
 *     first {@link VfioUapi#DMA_MAP_MINSZ} bytes fails with EFAULT below that)
 */
public record DmaMapRequest(long userBytes, int argsz, int flags, long vaddr, long iova, long size) {

    /** A well-formed request: a readable buffer of exactly argsz = minsz bytes. */
    public static DmaMapRequest of(int flags, long vaddr, long iova, long size) {
        return new DmaMapRequest(VfioUapi.DMA_MAP_MINSZ, VfioUapi.DMA_MAP_MINSZ, flags, vaddr, iova, size);
    }

    /** A read/write map. */
    public static DmaMapRequest rw(long vaddr, long iova, long size) {
        return of(VfioUapi.DMA_MAP_FLAG_READ | VfioUapi.DMA_MAP_FLAG_WRITE, vaddr, iova, size);
    }

    /**
     * The same request passed with another user buffer: {@code argsz} as written in the struct and
     * {@code userBytes} readable at the pointer (how the first two checks of vfio_dma_do_map are
     * reached).
     */
    public DmaMapRequest passedAs(int argsz, long userBytes) {
        return new DmaMapRequest(userBytes, argsz, flags, vaddr, iova, size);
    }
}
