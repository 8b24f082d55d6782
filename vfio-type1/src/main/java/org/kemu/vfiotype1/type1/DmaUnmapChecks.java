package org.kemu.vfiotype1.type1;

import static org.kemu.vfiotype1.VfioUapi.DMA_UNMAP_FLAG_ALL;
import static org.kemu.vfiotype1.VfioUapi.DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
import static org.kemu.vfiotype1.VfioUapi.DMA_UNMAP_FLAG_VADDR;
import static org.kemu.vfiotype1.VfioUapi.DMA_UNMAP_MINSZ;
import static org.kemu.vfiotype1.VfioUapi.VFIO_BITMAP_SIZE;

import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.DmaUnmapRequest;
import org.kemu.vfiotype1.OverflowChecks;
import org.kemu.vfiotype1.PageSizes;
import org.kemu.vfiotype1.VfioBitmap;
import org.kemu.vfiotype1.VfioUapi;

/**
 * The argument checks of VFIO_IOMMU_UNMAP_DMA (the ioctl handler, then vfio_dma_do_unmap()) in the
 * kernel's order with its errnos (docs/kernel/vfio-gup.md section 1.7 steps 1-6). {@link #checkUnlocked} runs before the
 * container mutex, {@link #checkLocked} and {@link #checkV2} under it. Pure.
 */
public final class DmaUnmapChecks {
    private DmaUnmapChecks() {
    }

    private static final int MASK = DMA_UNMAP_FLAG_GET_DIRTY_BITMAP | DMA_UNMAP_FLAG_VADDR | DMA_UNMAP_FLAG_ALL;

    /** Step 1: copy-in, argsz, flags, flag combinations and the dirty bitmap header. */
    public static void checkUnlocked(DmaUnmapRequest u) {
        if (u.userBytes() < DMA_UNMAP_MINSZ) {
            throw new KernelException(Errno.EFAULT, "unmap_dma:copy_from_user", "argument not readable");
        }
        if (Integer.compareUnsigned(u.argsz(), DMA_UNMAP_MINSZ) < 0) {
            throw new KernelException(Errno.EINVAL, "unmap_dma:argsz", "argsz " + u.argsz() + " < " + DMA_UNMAP_MINSZ);
        }
        if ((u.flags() & ~MASK) != 0) {
            throw new KernelException(Errno.EINVAL, "unmap_dma:flags", "unknown flags 0x" + Integer.toHexString(u.flags()));
        }
        boolean dirty = (u.flags() & DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) != 0;
        if (dirty && (u.flags() & (DMA_UNMAP_FLAG_ALL | DMA_UNMAP_FLAG_VADDR)) != 0) {
            throw new KernelException(Errno.EINVAL, "unmap_dma:dirty_flags", "GET_DIRTY_BITMAP with ALL or VADDR");
        }
        if (dirty) {
            if (Integer.compareUnsigned(u.argsz(), DMA_UNMAP_MINSZ + VFIO_BITMAP_SIZE) < 0) {
                throw new KernelException(Errno.EINVAL, "unmap_dma:bitmap_argsz", "no room for struct vfio_bitmap");
            }
            VfioBitmap b = u.bitmap();
            if (b == null || !b.readable() || u.userBytes() < DMA_UNMAP_MINSZ + VFIO_BITMAP_SIZE) {
                throw new KernelException(Errno.EFAULT, "unmap_dma:bitmap_copy", "bitmap header not readable");
            }
            if (!VfioUapi.accessOk(b.data(), b.size())) {
                throw new KernelException(Errno.EINVAL, "unmap_dma:bitmap_access_ok", "bitmap outside user space");
            }
            // verify_bitmap_size(unmap.size >> __ffs(bitmap.pgsize), bitmap.size); __ffs(0) is undefined
            // in the kernel, the emulation treats a zero pgsize as zero pages.
            long npages = b.pgsize() == 0 ? 0 : u.size() >>> PageSizes.ffs(b.pgsize());
            if (npages == 0 || b.size() == 0 || Long.compareUnsigned(b.size(), VfioUapi.DIRTY_BITMAP_SIZE_MAX) > 0
                    || Long.compareUnsigned(b.size(), VfioUapi.dirtyBitmapBytes(npages)) < 0) {
                throw new KernelException(Errno.EINVAL, "unmap_dma:bitmap_size", "bitmap size does not fit the range");
            }
        }
    }

    /** Steps 2-5, under the container mutex. */
    public static UnmapRange checkLocked(DmaUnmapRequest u, long pgsizeBitmap, boolean emulatedGroups,
            boolean dirtyTracking, OverflowChecks mode) {
        boolean all = (u.flags() & DMA_UNMAP_FLAG_ALL) != 0;
        boolean vaddr = (u.flags() & DMA_UNMAP_FLAG_VADDR) != 0;
        boolean dirty = (u.flags() & DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) != 0;
        // 2. cannot update vaddr while mdev (emulated) groups exist
        if (vaddr && emulatedGroups) {
            throw new KernelException(Errno.EBUSY, "vfio_dma_do_unmap:vaddr_mdev", "emulated groups present");
        }
        // 3. (fields that do not fit: impossible with 64-bit size_t) then iova alignment
        long pgsize = PageSizes.minPageSize(pgsizeBitmap);
        if (!PageSizes.aligned(u.iova(), pgsize)) {
            throw new KernelException(Errno.EINVAL, "vfio_dma_do_unmap:iova_align", "iova not aligned");
        }
        long last;
        // 4. ALL, or size / alignment / wrap
        if (all) {
            if (u.iova() != 0 || u.size() != 0) {
                throw new KernelException(Errno.EINVAL, "vfio_dma_do_unmap:all_args", "ALL needs iova = size = 0");
            }
            last = -1L;
        } else {
            if (u.size() == 0 || !PageSizes.aligned(u.size(), pgsize)) {
                throw new KernelException(Errno.EINVAL, "vfio_dma_do_unmap:size", "size 0 or not aligned");
            }
            if (PageSizes.wraps(u.iova(), u.size())) {
                throw new KernelException(mode == OverflowChecks.LEGACY ? Errno.EINVAL : Errno.EOVERFLOW,
                        "vfio_dma_do_unmap:overflow", "range wraps");
            }
            last = u.iova() + u.size() - 1;
        }
        // 5. dirty bitmap only while tracking, at the minimum page size
        if (dirty && (!dirtyTracking || u.bitmap().pgsize() != pgsize)) {
            throw new KernelException(Errno.EINVAL, "vfio_dma_do_unmap:dirty_pgsize",
                    "dirty tracking off or bitmap pgsize is not the minimum page size");
        }
        return new UnmapRange(u.iova(), last, all, vaddr, dirty);
    }

    /** Step 6: with type1v2 (and not ALL) no mapping may be bisected by the request. */
    public static void checkV2(UnmapRange r, DmaTree dmas) {
        VfioDma d = dmas.find(r.iova(), 1);
        if (d != null && d.iova() != r.iova()) {
            throw new KernelException(Errno.EINVAL, "vfio_dma_do_unmap:v2_bisect_start", "bisects " + d);
        }
        d = dmas.find(r.last(), 0);
        if (d != null && d.last() != r.last()) {
            throw new KernelException(Errno.EINVAL, "vfio_dma_do_unmap:v2_bisect_end", "bisects " + d);
        }
    }
}
