package org.kemu.vfiotype1.type1;

import java.util.List;
import java.util.Objects;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmStruct;
import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.SpinLock;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuProt;
import org.kemu.vfiotype1.PageSizes;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Costs;

/**
 * {@code vfio_pin_map_dma()} and {@code vfio_iommu_map()} (docs/kernel/vfio-gup.md section 1.5): serial as in 5.14 /
 * v6.18, or patch 7's padata job with {@code vfio_pin_map_dma_chunk()} and
 * {@code vfio_pin_map_dma_undo()}; and the same pinning for a map outside the container mutex.
 * Pins through {@link VfioPinPages}, maps into the domains the caller passes, unpins with
 * {@link VfioUnmapUnpin}: it calls only down.
 */
final class VfioPinMapDma {
    /**
     * padata's units are unsigned long in the kernel; kemu's padata keeps them below 2^62. A user
     * vaddr is below TASK_SIZE_MAX (2^47), so the job runs on the vaddr itself; a vaddr beyond that is
     * not a user address (GUP fails on it with EFAULT as in the serial path) and the job runs on its
     * low bits, the chunks translating back.
     */
    private static final long PADATA_UNITS = (1L << 60) - 1;

    private final Kernel kernel;
    private final VfioPinPages pages;
    private final VfioLockAcct acct;
    private final Padata padata;
    private final PinConfig config;
    private final Type1Costs costs;
    private final boolean disableHugepages;
    private final Type1Counters counters;
    private final SpinLock errorLock;

    VfioPinMapDma(Kernel kernel, VfioPinPages pages, VfioLockAcct acct, Padata padata, PinConfig config,
            Type1Costs costs, boolean disableHugepages, Type1Counters counters) {
        this.kernel = kernel;
        this.pages = pages;
        this.acct = acct;
        this.padata = padata;
        this.config = config;
        this.costs = costs;
        this.disableHugepages = disableHugepages;
        this.counters = counters;
        this.errorLock = kernel.spinlock("vfio_pin_args.error");
        if (config.usesPadata()) {
            Objects.requireNonNull(padata, "a padata pin config needs a Padata instance");
            if (!padata.features().returnFirstError() || !padata.features().undo()) {
                // without patches 2 and 3 a failing chunk leaves the others pinned and mapped
                throw new IllegalArgumentException("padata pinning needs padata's first-error and undo (patches 2-3)");
            }
        }
    }

    /**
     * {@code vfio_pin_map_dma()} under the container mutex. Serial: {@code dma->size} grows run by run;
     * on failure it covers what is mapped and the caller removes that. Padata: the size is set in one
     * step on success ("on success it adds map_size to dma->size in one step"); on failure nothing is
     * left.
     */
    void pinMapDma(List<IommuDomain> domains, VfioDma dma, long size) {
        if (config.usesPadata()) {
            pinMapDmaPadata(domains, dma, size);
            dma.setSize(size);
            return;
        }
        MmStruct mm = dma.mm();
        long limit = limitPages(mm);
        VfioBatch batch = newBatch();
        LockCache cache = new LockCache(config.lockCachePages());
        try {
            pinMapRange(domains, dma, mm, dma.vaddr(), dma.iova(), size, limit, batch, cache, true, new long[1]);
        } finally {
            acct.returnCache(dma, cache);
        }
    }

    /**
     * Pins and maps {@code [0, size)} of {@code dma} without growing {@code dma.size()} and without
     * the container mutex (the outside-mutex MAP_DMA); on failure undoes everything it did (unmap,
     * unpin, uncharge) and throws, so the caller only unlinks.
     */
    void pinMapDmaDetached(List<IommuDomain> domains, VfioDma dma, long size) {
        if (config.usesPadata()) {
            pinMapDmaPadata(domains, dma, size);
            return;
        }
        PinArgs args = new PinArgs(domains, dma, limitPages(dma.mm()), 0);
        if (pinMapDmaChunk(dma.vaddr(), dma.vaddr() + size, args) != 0) {
            throw args.firstError;
        }
    }

    private VfioBatch newBatch() {
        return VfioBatch.init(kernel, costs.batchInitNs(), disableHugepages, config.batchCapacity());
    }

    /** {@code rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT}, read once per MAP_DMA. */
    private static long limitPages(MmStruct mm) {
        return mm == null ? 0 : mm.rlimitMemlock() >>> MmConstants.PAGE_SHIFT;
    }

    /**
     * {@code struct vfio_pin_args} of patch 7, plus the first exception for the caller; {@code shift}
     * is what turns a job unit back into a vaddr (0 for every user address).
     */
    private static final class PinArgs {
        final List<IommuDomain> domains;
        final VfioDma dma;
        final long limit;
        final MmStruct mm;
        final long shift;
        KernelException firstError;

        PinArgs(List<IommuDomain> domains, VfioDma dma, long limit, long shift) {
            this.domains = domains;
            this.dma = dma;
            this.limit = limit;
            this.mm = dma.mm();
            this.shift = shift;
        }
    }

    /**
     * Patch 7's {@code vfio_pin_map_dma()}: a padata job over the vaddr range, PMD-aligned chunks of at
     * least {@code VFIO_MIN_CHUNK}, at most {@code VFIO_MAX_THREADS}; the main task keeps the container
     * mutex for the whole job; on error padata has undone the completed chunks and each failing chunk
     * its own part, so nothing is left.
     */
    private void pinMapDmaPadata(List<IommuDomain> domains, VfioDma dma, long size) {
        long start = dma.vaddr() & PADATA_UNITS;
        PinArgs args = new PinArgs(domains, dma, limitPages(dma.mm()), dma.vaddr() - start);
        PadataMtJob<PinArgs> job = PadataMtJob.<PinArgs>builder(
                (s, e, a) -> pinMapDmaChunk(s + a.shift, e + a.shift, a))
                .arg(args)
                .start(start)
                .size(size)
                .align(config.padataAlign())
                .minChunk(config.minChunkBytes())
                .undo((s, e, a) -> pinMapDmaUndo(s + a.shift, e + a.shift, a))
                .maxThreads(config.padataThreads())
                .lockdepName("vfio_pin_map_dma")
                .build();
        counters.padataJobs.incrementAndGet();
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
        counters.padataChunks.incrementAndGet();
        long[] mapped = new long[1];
        try {
            kernel.work(costs.chunkNs());
            VfioBatch batch = newBatch();
            LockCache cache = new LockCache(config.lockCachePages());
            try {
                long iova = a.dma.iova() + (start - a.dma.vaddr());
                pinMapRange(a.domains, a.dma, a.mm, start, iova, end - start, a.limit, batch, cache, false, mapped);
            } finally {
                acct.returnCache(a.dma, cache);
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
        long unlocked = VfioUnmapUnpin.unmapUnpinRange(kernel, a.domains, a.dma, iova, end - start, pages, costs);
        acct.lockAcct(a.dma, -unlocked, true);
    }

    /**
     * The loop of {@code vfio_pin_map_dma()} / {@code vfio_pin_map_dma_chunk()} over {@code size}
     * bytes from {@code vaddr}: pin a run, map it in every domain, and on a map failure unpin that
     * run with accounting and drain the batch. {@code grow} says whether {@code dma->size} grows run
     * by run (serial) or stays 0 (padata, detached). {@code mapped[0]} is the prefix mapped when it
     * throws.
     */
    private void pinMapRange(List<IommuDomain> domains, VfioDma dma, MmStruct mm, long vaddr, long iova, long size,
            long limit, VfioBatch batch, LockCache cache, boolean grow, long[] mapped) {
        while (mapped[0] < size) {
            if (cache != null && cache.enabled() && cache.pages == 0) {
                refillCache(dma, cache, (size - mapped[0]) >>> MmConstants.PAGE_SHIFT, batch);
            }
            VfioPinPages.Run r = pages.pinPagesRemote(dma, mm, vaddr + mapped[0],
                    (size - mapped[0]) >>> MmConstants.PAGE_SHIFT, limit, batch, cache);
            try {
                vfioIommuMap(kernel, domains, iova + mapped[0], r.pfnBase(), r.npage(), dma.prot());
            } catch (KernelException e) {
                long unlocked = r.rsvd() ? 0 : pages.unpinPagesRemote(dma, r.pfnBase(), r.npage());
                acct.lockAcct(dma, -unlocked, true);
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

    /**
     * Patch 8's refill at the top of the chunk loop, while the cache is empty: pre-charge
     * {@code min(pages left in the chunk, LOCKED_VM_CACHE_PAGES)}. ENOMEM leaves the cache empty and
     * the next run tries again; any other error unpins the batch's leftovers and ends the chunk.
     */
    private void refillCache(VfioDma dma, LockCache cache, long pagesLeft, VfioBatch batch) {
        try {
            acct.refillCache(dma, cache, Math.min(pagesLeft, cache.capacity));
        } catch (KernelException e) {
            pages.batchUnpin(dma, batch);
            throw e;
        }
    }

    /**
     * {@code vfio_iommu_map()}: map one physically contiguous run at {@code iova} in every domain
     * (with IOMMU_CACHE); on failure unmap it from the domains already done, in reverse, and rethrow.
     * A padata helper or an outside-mutex map calls it without owning the container mutex: the task
     * that issued MAP_DMA keeps the domain list stable, the ranges are disjoint, and the per-domain
     * lock (if the driver has one) orders their page-table updates.
     */
    static void vfioIommuMap(Kernel kernel, List<IommuDomain> domains, long iova, long pfn, long npage,
            IommuProt prot) {
        long size = npage << PageSizes.PAGE_SHIFT;
        long pa = pfn << PageSizes.PAGE_SHIFT;
        for (int i = 0; i < domains.size(); i++) {
            try {
                domains.get(i).map(iova, pa, size, prot.with(IommuProt.CACHE));
            } catch (KernelException e) {
                for (int j = i - 1; j >= 0; j--) {
                    domains.get(j).unmap(iova, size);
                    kernel.condResched();
                }
                throw e;
            }
        }
    }
}
