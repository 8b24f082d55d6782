package org.kemu.vfiotype1.type1;

import static org.kemu.vfiotype1.VfioUapi.DMA_MAP_FLAG_READ;
import static org.kemu.vfiotype1.VfioUapi.DMA_MAP_FLAG_VADDR;
import static org.kemu.vfiotype1.VfioUapi.DMA_MAP_FLAG_WRITE;
import static org.kemu.vfiotype1.VfioUapi.DMA_MAP_MINSZ;

import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.IommuProt;
import org.kemu.vfiotype1.OverflowChecks;
import org.kemu.vfiotype1.PageSizes;

/**
 * The argument checks of VFIO_IOMMU_MAP_DMA (vfio_iommu_type1_map_dma() and vfio_dma_do_map()),
 * in the kernel's order, with its errnos (docs/kernel/vfio-gup.md section 1.4 steps 1-10). Split where the kernel takes
 * the container mutex: {@link #checkUnlocked} before, {@link #checkLocked} under it. Pure: nothing
 * is changed; the caller allocates and links afterwards.
 */
public final class DmaMapChecks {
    private DmaMapChecks() {
    }

    /** Arguments that passed the checks made before the mutex. */
    public record MapArgs(long vaddr, long iova, long size, IommuProt prot, boolean setVaddr) {
    }

    private static final int MASK = DMA_MAP_FLAG_READ | DMA_MAP_FLAG_WRITE | DMA_MAP_FLAG_VADDR;

    /** Steps 1-6 (and, for {@link OverflowChecks#LEGACY}, the order of v6.18 and before). */
    public static MapArgs checkUnlocked(DmaMapRequest m, OverflowChecks mode) {
        // 1. copy_from_user of offsetofend(size) bytes
        if (m.userBytes() < DMA_MAP_MINSZ) {
            throw new KernelException(Errno.EFAULT, "map_dma:copy_from_user", "argument not readable");
        }
        // 2. argsz < minsz or unknown flags
        if (Integer.compareUnsigned(m.argsz(), DMA_MAP_MINSZ) < 0) {
            throw new KernelException(Errno.EINVAL, "map_dma:argsz", "argsz " + m.argsz() + " < " + DMA_MAP_MINSZ);
        }
        if ((m.flags() & ~MASK) != 0) {
            throw new KernelException(Errno.EINVAL, "map_dma:flags", "unknown flags 0x" + Integer.toHexString(m.flags()));
        }
        // 3. u64 fields that do not fit size_t / unsigned long / dma_addr_t: all 64-bit on x86-64, so
        //    this check (EOVERFLOW, EINVAL before 2025) cannot fail on the emulated machine.
        boolean legacy = mode == OverflowChecks.LEGACY;
        if (!legacy) {
            // 4. size == 0
            if (m.size() == 0) {
                throw new KernelException(Errno.EINVAL, "vfio_dma_do_map:size_zero", "size is 0");
            }
            // 5. iova + size - 1 or vaddr + size - 1 wraps
            if (PageSizes.wraps(m.iova(), m.size()) || PageSizes.wraps(m.vaddr(), m.size())) {
                throw new KernelException(Errno.EOVERFLOW, "vfio_dma_do_map:overflow", "range wraps");
            }
        }
        // 6. READ/WRITE vs VADDR
        int prot = 0;
        if ((m.flags() & DMA_MAP_FLAG_WRITE) != 0) {
            prot |= IommuProt.WRITE;
        }
        if ((m.flags() & DMA_MAP_FLAG_READ) != 0) {
            prot |= IommuProt.READ;
        }
        boolean setVaddr = (m.flags() & DMA_MAP_FLAG_VADDR) != 0;
        if ((prot != 0 && setVaddr) || (prot == 0 && !setVaddr)) {
            throw new KernelException(Errno.EINVAL, "vfio_dma_do_map:prot",
                    setVaddr ? "READ/WRITE together with VADDR" : "neither READ nor WRITE");
        }
        return new MapArgs(m.vaddr(), m.iova(), m.size(), new IommuProt(prot), setVaddr);
    }

    /** Steps 7-10, under the container mutex; returns what to do. */
    public static MapPlan checkLocked(MapArgs a, long pgsizeBitmap, DmaTree dmas, int dmaAvail, IovaList iovas,
            OverflowChecks mode) {
        checkAlignment(a, pgsizeBitmap, mode);
        long last = a.iova() + a.size() - 1;
        // 8. overlap, or the VADDR update's target
        VfioDma dma = dmas.find(a.iova(), a.size());
        if (a.setVaddr()) {
            if (dma == null) {
                throw new KernelException(Errno.ENOENT, "vfio_dma_do_map:vaddr_noent", "no dma at the IOVA");
            }
            if (!dma.vaddrInvalid() || dma.iova() != a.iova() || dma.size() != a.size()) {
                throw new KernelException(Errno.EINVAL, "vfio_dma_do_map:vaddr_mismatch",
                        "dma not invalidated, or iova/size differ");
            }
            return new MapPlan.UpdateVaddr(dma, a.vaddr());
        }
        if (dma != null) {
            throw new KernelException(Errno.EEXIST, "vfio_dma_do_map:exists", "overlaps " + dma);
        }
        // 9. dma_avail
        if (dmaAvail == 0) {
            throw new KernelException(Errno.ENOSPC, "vfio_dma_do_map:dma_avail", "dma_entry_limit reached");
        }
        // 10. inside one valid IOVA range
        if (!iovas.dmaValid(a.iova(), last)) {
            throw new KernelException(Errno.EINVAL, "vfio_dma_do_map:iova_range",
                    "[0x" + Long.toHexString(a.iova()) + ", 0x" + Long.toHexString(last) + "] not in " + iovas);
        }
        return new MapPlan.NewDma(a.iova(), a.vaddr(), a.size(), last, a.prot());
    }

    /** Step 7: alignment to the minimum page size (LEGACY: together with size == 0, then the wrap check). */
    static void checkAlignment(MapArgs a, long pgsizeBitmap, OverflowChecks mode) {
        long pgsize = PageSizes.minPageSize(pgsizeBitmap);
        boolean legacy = mode == OverflowChecks.LEGACY;
        if ((legacy && a.size() == 0) || !PageSizes.aligned(a.size() | a.iova() | a.vaddr(), pgsize)) {
            throw new KernelException(Errno.EINVAL, "vfio_dma_do_map:align", "size/iova/vaddr not aligned to 0x"
                    + Long.toHexString(pgsize) + (a.size() == 0 ? " (or size 0)" : ""));
        }
        if (legacy && (PageSizes.wraps(a.iova(), a.size()) || PageSizes.wraps(a.vaddr(), a.size()))) {
            throw new KernelException(Errno.EINVAL, "vfio_dma_do_map:overflow", "range wraps");
        }
    }
}
