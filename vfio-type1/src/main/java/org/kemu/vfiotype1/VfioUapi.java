package org.kemu.vfiotype1;

/**
 * Constants of include/uapi/linux/vfio.h and vfio_iommu_type1.c that the type1 emulation checks
 * against (docs/kernel/vfio-gup.md sections 1.1, 1.4, 1.7, 1.12).
 */
public final class VfioUapi {
    private VfioUapi() {
    }

    public static final int DMA_MAP_FLAG_READ = 1 << 0;
    public static final int DMA_MAP_FLAG_WRITE = 1 << 1;
    public static final int DMA_MAP_FLAG_VADDR = 1 << 2;

    public static final int DMA_UNMAP_FLAG_GET_DIRTY_BITMAP = 1 << 0;
    public static final int DMA_UNMAP_FLAG_ALL = 1 << 1;
    public static final int DMA_UNMAP_FLAG_VADDR = 1 << 2;

    /** {@code offsetofend(struct vfio_iommu_type1_dma_map, size)}: argsz, flags, vaddr, iova, size. */
    public static final int DMA_MAP_MINSZ = 32;
    /** {@code offsetofend(struct vfio_iommu_type1_dma_unmap, size)}: argsz, flags, iova, size. */
    public static final int DMA_UNMAP_MINSZ = 24;
    /** {@code sizeof(struct vfio_bitmap)}: pgsize, size, data. */
    public static final int VFIO_BITMAP_SIZE = 24;

    /** {@code offsetofend(struct vfio_iommu_type1_info, iova_pgsizes)}. */
    public static final int INFO_MINSZ = 16;
    /** {@code sizeof(struct vfio_iommu_type1_info)}: argsz, flags, iova_pgsizes, cap_offset, pad. */
    public static final int INFO_SIZE = 24;
    public static final int INFO_FLAG_PGSIZES = 1 << 0;
    public static final int INFO_FLAG_CAPS = 1 << 1;
    public static final int INFO_CAP_IOVA_RANGE = 1;
    public static final int INFO_CAP_MIGRATION = 2;
    public static final int INFO_CAP_DMA_AVAIL = 3;

    /** {@code dma_entry_limit} module parameter default, U16_MAX. */
    public static final int DMA_ENTRY_LIMIT_DEFAULT = 65535;
    /** {@code VFIO_BATCH_MAX_CAPACITY} = PAGE_SIZE / sizeof(struct page *). */
    public static final int VFIO_BATCH_MAX_CAPACITY = 512;
    /** {@code VFIO_IOMMU_TLB_SYNC_MAX}: fast-unmapped regions queued before a sync and unpin. */
    public static final int VFIO_IOMMU_TLB_SYNC_MAX = 512;
    /** {@code DIRTY_BITMAP_PAGES_MAX} = INT_MAX bits. */
    public static final long DIRTY_BITMAP_PAGES_MAX = Integer.MAX_VALUE;
    /** {@code DIRTY_BITMAP_SIZE_MAX} = DIRTY_BITMAP_BYTES(INT_MAX) = 256 MiB. */
    public static final long DIRTY_BITMAP_SIZE_MAX = dirtyBitmapBytes(DIRTY_BITMAP_PAGES_MAX);
    /** x86-64 {@code TASK_SIZE_MAX} with 4-level paging, for {@code access_ok()}. */
    public static final long TASK_SIZE_MAX = (1L << 47) - PageSizes.PAGE_SIZE;

    /** {@code DIRTY_BITMAP_BYTES(n)} = ALIGN(n, 64) / 8. */
    public static long dirtyBitmapBytes(long npages) {
        return ((npages + 63) & ~63L) / 8;
    }

    /** {@code access_ok(addr, size)} on x86-64: the range neither wraps nor passes TASK_SIZE_MAX. */
    public static boolean accessOk(long addr, long size) {
        long end = addr + size;
        return Long.compareUnsigned(end, addr) >= 0 && Long.compareUnsigned(end, TASK_SIZE_MAX) <= 0;
    }
}
