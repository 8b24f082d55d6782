package org.kemu.vfiotype1;

/**
 * {@code struct vfio_iommu_type1_dma_unmap} as user space passes it to VFIO_IOMMU_UNMAP_DMA.
 *
 * @param userBytes readable bytes at the user pointer (copy-in of minsz bytes fails below that)
 * @param bitmap the trailing {@code struct vfio_bitmap}, or null
 */
public record DmaUnmapRequest(long userBytes, int argsz, int flags, long iova, long size, VfioBitmap bitmap) {

    public static DmaUnmapRequest of(int flags, long iova, long size) {
        return new DmaUnmapRequest(VfioUapi.DMA_UNMAP_MINSZ, VfioUapi.DMA_UNMAP_MINSZ, flags, iova, size, null);
    }

    public static DmaUnmapRequest range(long iova, long size) {
        return of(0, iova, size);
    }

    public static DmaUnmapRequest all() {
        return of(VfioUapi.DMA_UNMAP_FLAG_ALL, 0, 0);
    }

    /**
     * The same request passed with another user buffer: {@code argsz} as written in the struct and
     * {@code userBytes} readable at the pointer.
     */
    public DmaUnmapRequest passedAs(int argsz, long userBytes) {
        return new DmaUnmapRequest(userBytes, argsz, flags, iova, size, bitmap);
    }
}
