package org.kemu.lab.pin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kemu.mmgup.Gup;
import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Task;
import org.kemu.vfiotype1.type1.Type1Iommu;
import org.kemu.vfiotype1.type1.Type1PinPath;
import org.kemu.vfiotype1.type1.VfioDma;

/**
 * Patch 7 (padata.md 3, vfio-gup.md): {@code vfio_pin_map_dma()} as a padata job over PMD-aligned
 * chunks of at least 128 MiB; the MAP_DMA task holds the container mutex for the whole job and
 * helpers map with {@code iommuMapRunForHelper}. A failing chunk unwinds itself; padata's undo
 * unmaps and unpins completed chunks. With {@code lockCachePages > 0} each thread charges locked_vm
 * through patch 8's cache and returns the leftover when the job ends. The dma's size is set only
 * when the job succeeded (DESIGN-NOTES of vfio-type1).
 *
 * <p>STAND-IN for vfio-type1's padata pin path (the lead replaces it when that is merged).
 */
final class PadataPinPath implements Type1PinPath {
    static final long PMD_SIZE = 2L << 20;
    static final long MIN_CHUNK = 128L << 20;

    private final Kernel kernel;
    private final Padata padata;
    private final RangePinner pinner;
    private final LockAccounting acct;
    private final Gup gup;
    private final int maxThreads;
    private final long lockCachePages;

    PadataPinPath(Kernel kernel, Padata padata, RangePinner pinner, LockAccounting acct, Gup gup, int maxThreads,
            long lockCachePages) {
        this.kernel = kernel;
        this.padata = padata;
        this.pinner = pinner;
        this.acct = acct;
        this.gup = gup;
        this.maxThreads = maxThreads;
        this.lockCachePages = lockCachePages;
    }

    /** Runs mapped by one completed chunk, kept for padata's undo. */
    private record Run(long iova, long pfn, long npage) {
    }

    @Override
    public void pinMapDma(Type1Iommu iommu, VfioDma dma, long size) {
        Map<Task, LockAccounting.Cache> caches = new LinkedHashMap<>();
        Map<Long, List<Run>> chunks = new LinkedHashMap<>();
        PadataMtJob<VfioDma> job = PadataMtJob.<VfioDma>builder((start, end, d) -> {
            LockAccounting.Cache cache = caches.computeIfAbsent(kernel.current(), t -> acct.new Cache(lockCachePages));
            List<Run> runs = new ArrayList<>();
            try {
                pinner.pinMap(d.vaddr() + start, d.iova() + start, end - start, new RangePinner.Charger() {
                    @Override
                    public void charge(long npage) {
                        cache.charge(d, npage);
                    }

                    @Override
                    public void uncharge(long npage) {
                        acct.lockAcct(d, -npage);
                    }
                }, (iova, pfn, n) -> iommu.iommuMapRunForHelper(iova, pfn, n, d.prot()),
                        (iova, pfn, n) -> runs.add(new Run(iova, pfn, n)));
            } catch (KernelException e) {
                undoRuns(iommu, d, runs);
                return -e.errno().ordinal() - 1;
            }
            chunks.put(start, runs);
            return 0;
        }).arg(dma).start(0).size(size).align(PMD_SIZE).minChunk(MIN_CHUNK).maxThreads(maxThreads)
                .undo((start, end, d) -> {
                    List<Run> runs = chunks.remove(start);
                    if (runs != null) {
                        undoRuns(iommu, d, runs);
                    }
                }).lockdepName("vfio_pin_map_dma").build();
        int ret = padata.doMultithreaded(job);
        for (LockAccounting.Cache c : caches.values()) {
            c.drain();
        }
        if (ret != 0) {
            throw new KernelException(Errno.values()[-ret - 1], "vfio_pin_map_dma:padata",
                    "a padata chunk failed; every chunk was undone");
        }
        dma.setSize(size);
    }

    private void undoRuns(Type1Iommu iommu, VfioDma dma, List<Run> runs) {
        for (int i = runs.size() - 1; i >= 0; i--) {
            Run r = runs.get(i);
            for (var d : iommu.domains()) {
                d.unmap(r.iova(), r.npage() << 12);
            }
            gup.unpinUserPageRangeDirtyLock(r.pfn(), r.npage(), true);
            acct.lockAcct(dma, -r.npage());
        }
    }

    @Override
    public long unpinPagesRemote(VfioDma dma, long iova, long pfn, long npage) {
        gup.unpinUserPageRangeDirtyLock(pfn, npage, true);
        return npage;
    }

    @Override
    public void lockAcct(VfioDma dma, long npage, boolean async) {
        acct.lockAcct(dma, npage);
    }

    @Override
    public void changeDmaOwner(VfioDma dma) {
        throw new UnsupportedOperationException("VFIO_DMA_MAP_FLAG_VADDR is not used by the guest-init workload");
    }
}
