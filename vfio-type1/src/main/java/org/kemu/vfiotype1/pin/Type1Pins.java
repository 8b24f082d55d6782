package org.kemu.vfiotype1.pin;

import java.util.Objects;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmStruct;
import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.SpinLock;
import org.kemu.vfiotype1.PinMode;
import org.kemu.vfiotype1.type1.Type1Iommu;
import org.kemu.vfiotype1.type1.Type1PinPath;
import org.kemu.vfiotype1.type1.VfioDma;
import org.kemu.vfiotype1.type1.VfioUnmapUnpin;

/**
 * The type1 pin path over mm-gup and padata-core: {@code vfio_pin_map_dma()} in the mode of the
 * {@link org.kemu.vfiotype1.PinConfig} (serial 5.14, padata patch 7 + 8, folio-batched 2025), the
 * unpin and accounting callbacks of the unmap side, and owner change.
 */
public final class Type1Pins implements Type1PinPath {
    private final PinContext ctx;
    private final VfioPinPages pages;
    private final Padata padata;
    private final SpinLock errorLock;

    Type1Pins(PinContext ctx, Padata padata, PinStats stats) {
        this.ctx = Objects.requireNonNull(ctx);
        this.pages = new VfioPinPages(ctx, stats);
        this.padata = padata;
        this.errorLock = ctx.kernel().spinlock("vfio_pin_args.error");
        if (ctx.config().mode() == PinMode.PADATA) {
            Objects.requireNonNull(padata, "PADATA pin mode needs a Padata instance");
            if (!padata.features().returnFirstError() || !padata.features().undo()) {
                // without patches 2 and 3 a failing chunk leaves the others pinned and mapped
                throw new IllegalArgumentException("PADATA pin mode needs padata's first-error and undo (patches 2-3)");
            }
        }
    }

    PinStats stats() {
        return pages.stats;
    }

    // ---- MAP_DMA --------------------------------------------------------------------------------

    @Override
    public void pinMapDma(Type1Iommu iommu, VfioDma dma, long size) {
        if (ctx.config().mode() == PinMode.PADATA) {
            pinMapDmaPadata(iommu, dma, size);
            dma.setSize(size); // "on success it adds map_size to dma->size in one step"
            return;
        }
        // vfio_pin_map_dma() (5.14 / v6.18): dma->size grows run by run; on failure it covers what is
        // mapped and the container removes that
        MmStruct mm = dma.mm();
        long limit = limitPages(mm);
        VfioBatch batch = VfioBatch.init(ctx);
        LockCache cache = new LockCache(ctx.config().lockCachePages());
        try {
            pinMapRange(iommu, dma, mm, dma.vaddr(), dma.iova(), size, limit, batch, cache, true, new long[1]);
        } finally {
            pages.returnCache(dma, cache);
        }
    }

    @Override
    public void pinMapDmaDetached(Type1Iommu iommu, VfioDma dma, long size) {
        if (ctx.config().mode() == PinMode.PADATA) {
            pinMapDmaPadata(iommu, dma, size);
            return;
        }
        PinArgs args = new PinArgs(iommu, dma, limitPages(dma.mm()));
        if (pinMapDmaChunk(dma.vaddr(), dma.vaddr() + size, args) != 0) {
            throw args.firstError;
        }
    }

    /** {@code rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT}, read once per MAP_DMA. */
    private static long limitPages(MmStruct mm) {
        return mm == null ? 0 : mm.rlimitMemlock() >>> MmConstants.PAGE_SHIFT;
    }

    /** {@code struct vfio_pin_args} of patch 7, plus the first exception for the caller. */
    private static final class PinArgs {
        final Type1Iommu iommu;
        final VfioDma dma;
        final long limit;
        final MmStruct mm;
        KernelException firstError;

        PinArgs(Type1Iommu iommu, VfioDma dma, long limit) {
            this.iommu = iommu;
            this.dma = dma;
            this.limit = limit;
            this.mm = dma.mm();
        }
    }

    /**
     * Patch 7's {@code vfio_pin_map_dma()}: a padata job over the vaddr range, PMD-aligned chunks of at
     * least {@code VFIO_MIN_CHUNK}, at most {@code VFIO_MAX_THREADS}; the main task keeps the container
     * mutex for the whole job; on error padata has undone the completed chunks and each failing chunk
     * its own part, so nothing is left; on success the caller sets the size in one step.
     */
    private void pinMapDmaPadata(Type1Iommu iommu, VfioDma dma, long size) {
        PinArgs args = new PinArgs(iommu, dma, limitPages(dma.mm()));
        PadataMtJob<PinArgs> job = PadataMtJob.<PinArgs>builder(this::pinMapDmaChunk)
                .arg(args)
                .start(dma.vaddr())
                .size(size)
                .align(ctx.config().padataAlign())
                .minChunk(ctx.config().minChunkBytes())
                .undo(this::pinMapDmaUndo)
                .maxThreads(ctx.config().padataThreads())
                .lockdepName("vfio_pin_map_dma")
                .build();
        pages.stats.padataJobs.incrementAndGet();
        int ret = padata.doMultithreaded(job);
        if (ret != 0) {
            KernelException e = args.firstError;
            if (e != null && e.errno().value() == Math.abs(ret)) {
                throw e;
            }
            throw new KernelException(Errno.of(ret), "vfio_pin_map_dma:padata", "padata job failed", e);
        }
    }

    /**
     * {@code vfio_pin_map_dma_chunk(start_vaddr, end_vaddr, args)}: pin and map the chunk run by run
     * with its own batch and lock cache; on failure undo the part of the chunk already done and
     * return the error (padata undoes only chunks that succeeded).
     */
    private int pinMapDmaChunk(long start, long end, PinArgs a) {
        pages.stats.padataChunks.incrementAndGet();
        long[] mapped = new long[1];
        try {
            ctx.kernel().work(ctx.costs().chunkNs());
            VfioBatch batch = VfioBatch.init(ctx);
            LockCache cache = new LockCache(ctx.config().lockCachePages());
            try {
                long iova = a.dma.iova() + (start - a.dma.vaddr());
                pinMapRange(a.iommu, a.dma, a.mm, start, iova, end - start, a.limit, batch, cache, false, mapped);
            } finally {
                pages.returnCache(a.dma, cache);
            }
            return 0;
        } catch (KernelException e) {
            pinMapDmaUndo(start, start + mapped[0], a);
            errorLock.lock();
            try {
                if (a.firstError == null) {
                    a.firstError = e;
                }
            } finally {
                errorLock.unlock();
            }
            return -e.errno().value();
        }
    }

    /** {@code vfio_pin_map_dma_undo()}: vaddr range to IOVA range, {@code vfio_unmap_unpin(..., true)}. */
    private void pinMapDmaUndo(long start, long end, PinArgs a) {
        if (end <= start) {
            return;
        }
        long iova = a.dma.iova() + (start - a.dma.vaddr());
        long unlocked = VfioUnmapUnpin.unmapUnpinRange(ctx.kernel(), a.iommu.domains(), a.dma, iova, end - start,
                this, a.iommu.costs());
        pages.lockAcct(a.dma, -unlocked, true);
    }

    /**
     * The loop of {@code vfio_pin_map_dma()} / {@code vfio_pin_map_dma_chunk()} over {@code size}
     * bytes from {@code vaddr}: pin a run, map it in every domain (reverse unwind across domains in
     * {@code vfio_iommu_map()}), and on a map failure unpin that run with accounting and drain the
     * batch. {@code grow} says whether {@code dma->size} grows run by run (serial) or stays 0 (padata,
     * detached). {@code mapped[0]} is the prefix mapped when it throws.
     */
    private void pinMapRange(Type1Iommu iommu, VfioDma dma, MmStruct mm, long vaddr, long iova, long size,
            long limit, VfioBatch batch, LockCache cache, boolean grow, long[] mapped) {
        while (mapped[0] < size) {
            VfioPinPages.Run r = pages.pinPagesRemote(dma, mm, vaddr + mapped[0],
                    (size - mapped[0]) >>> MmConstants.PAGE_SHIFT, limit, batch, cache);
            try {
                if (grow) {
                    iommu.iommuMapRun(iova + mapped[0], r.pfnBase(), r.npage(), dma.prot());
                } else {
                    iommu.iommuMapRunForHelper(iova + mapped[0], r.pfnBase(), r.npage(), dma.prot());
                }
            } catch (KernelException e) {
                long unlocked = r.rsvd() ? 0 : pages.unpinPagesRemote(dma, r.pfnBase(), r.npage());
                pages.lockAcct(dma, -unlocked, true);
                pages.batchUnpin(dma, batch);
                throw e;
            }
            long bytes = r.npage() << MmConstants.PAGE_SHIFT;
            mapped[0] += bytes;
            if (grow) {
                dma.grow(bytes);
            }
        }
    }

    // ---- unmap side -----------------------------------------------------------------------------

    @Override
    public long unpinPagesRemote(VfioDma dma, long iova, long pfn, long npage) {
        return pages.unpinPagesRemote(dma, pfn, npage);
    }

    @Override
    public void lockAcct(VfioDma dma, long npage, boolean async) {
        pages.lockAcct(dma, npage, async);
    }

    /**
     * {@code vfio_change_dma_owner()}: charge {@code dma->locked_vm} to the current task's mm first
     * (ENOMEM leaves everything as it was), then uncharge the old mm if it still exists, then switch
     * task, mm and lock_cap (vfio-gup.md 1.9).
     */
    @Override
    public void changeDmaOwner(VfioDma dma) {
        MmStruct newMm = ctx.kernel().current().attachment(MmStruct.class);
        if (newMm == null) {
            throw new KernelException(Errno.ENODEV, "vfio_change_dma_owner:no_mm", "current->mm is NULL");
        }
        boolean cap = newMm.capIpcLock();
        MmStruct oldMm = dma.mm();
        long npage = dma.lockedVm();
        if (newMm != oldMm && npage > 0) {
            newMm.mmapLock().downWriteKillable();
            try {
                ctx.lockedVm().accountLockedVmLocked(newMm, npage, true, newMm.rlimitMemlock(), cap);
            } finally {
                newMm.mmapLock().upWrite();
            }
            if (oldMm != null && !oldMm.exited()) {
                oldMm.mmapLock().downWrite();
                try {
                    ctx.lockedVm().accountLockedVmLocked(oldMm, npage, false, oldMm.rlimitMemlock(), dma.lockCap());
                } finally {
                    oldMm.mmapLock().upWrite();
                }
            }
        }
        dma.changeOwner(ctx.kernel().current().tgid(), cap, newMm);
    }
}
