package org.kemu.lab.pin;

import java.util.Arrays;
import org.kemu.lab.VfioPinCosts;
import org.kemu.mmgup.Foll;
import org.kemu.mmgup.Gup;
import org.kemu.mmgup.Mm;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.Vma;
import org.kemu.mmgup.VmaKind;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;

/**
 * The loop of {@code vfio_pin_map_dma()} over one range (vfio-gup.md 1.5): refill a batch of up to
 * 512 pages with {@code pin_user_pages_remote(FOLL_WRITE | FOLL_LONGTERM)} under the mmap read lock,
 * cut it into physically contiguous runs, charge each run's locked_vm, map each run with one
 * {@code iommu_map}. On failure the run being built and the batch's leftovers are unpinned (and the
 * failing run uncharged); runs already handed to the sink stay for the caller to undo.
 */
final class RangePinner {
    static final int BATCH = 512;

    /** Charges a run's locked_vm (may throw ENOMEM having charged nothing) or uncharges it. */
    interface Charger {
        void charge(long npage);

        void uncharge(long npage);
    }

    /** Maps one run in the container's domains. */
    interface Mapper {
        void map(long iova, long pfn, long npage);
    }

    /** Told of each run once it is pinned, charged and mapped. */
    interface RunSink {
        void mapped(long iova, long pfn, long npage);
    }

    private final Kernel kernel;
    private final Mm mmOps;
    private final Gup gup;
    private final MmStruct mm;
    private final VfioPinCosts costs;
    private final PinCounters counters;
    private final boolean folioBatched;

    RangePinner(Kernel kernel, Mm mmOps, Gup gup, MmStruct mm, VfioPinCosts costs, PinCounters counters,
            boolean folioBatched) {
        this.kernel = kernel;
        this.mmOps = mmOps;
        this.gup = gup;
        this.mm = mm;
        this.costs = costs;
        this.counters = counters;
        this.folioBatched = folioBatched;
    }

    void pinMap(long va, long iova, long len, Charger charger, Mapper mapper, RunSink sink) {
        long total = len >>> 12;
        long[] batch = new long[(int) Math.min(BATCH, Math.max(1, total))];
        int pos = 0;
        int cnt = 0;
        long consumed = 0;
        long mapped = 0;
        long runPfn = -1;
        long runN = 0;
        try {
            while (consumed < total) {
                if (pos == cnt) {
                    cnt = refill(va + (consumed << 12), (int) Math.min(batch.length, total - consumed), batch);
                    pos = 0;
                }
                long pfn = batch[pos];
                if (runN > 0 && pfn != runPfn + runN) {
                    finishRun(iova + (mapped << 12), runPfn, runN, charger, mapper, sink);
                    mapped += runN;
                    runN = 0;
                }
                if (runN == 0) {
                    runPfn = pfn;
                }
                runN++;
                pos++;
                consumed++;
            }
            if (runN > 0) {
                finishRun(iova + (mapped << 12), runPfn, runN, charger, mapper, sink);
                runN = 0;
            }
        } catch (RuntimeException e) {
            if (runN > 0) {
                gup.unpinUserPageRangeDirtyLock(runPfn, runN, true);
            }
            if (pos < cnt) {
                gup.unpinUserPagesDirtyLock(Arrays.copyOfRange(batch, pos, cnt), cnt - pos, true);
            }
            throw e;
        }
    }

    private int refill(long va, int n, long[] batch) {
        kernel.condResched();
        boolean faulting = mmOps.followPfn(mm, va) < 0;
        long t0 = kernel.now();
        long got;
        mm.mmapLock().downRead();
        try {
            got = gup.pinUserPagesRemote(mm, va, n, Foll.WRITE | Foll.LONGTERM, batch);
        } finally {
            mm.mmapLock().upRead();
        }
        KernelException.require(got > 0, Errno.EFAULT, "vaddr_get_pfns", "GUP pinned no page at 0x"
                + Long.toHexString(va));
        long ns = costs.batchRefillNs();
        if (!folioBatched) {
            ns += got * costs.pageNs();
            Vma v = mm.vmaLookup(va);
            if (v != null && v.kind() == VmaKind.ANON_THP) {
                ns += got * costs.thpFollowPageNs();
            }
        }
        kernel.work(ns);
        long dt = kernel.now() - t0;
        if (faulting) {
            counters.faultClearNs += dt;
        } else {
            counters.gupNs += dt;
        }
        return (int) got;
    }

    private void finishRun(long iova, long pfn, long npage, Charger charger, Mapper mapper, RunSink sink) {
        if (folioBatched) {
            kernel.work(costs.runNs());
        }
        charger.charge(npage);
        long t0 = kernel.now();
        try {
            mapper.map(iova, pfn, npage);
        } catch (RuntimeException e) {
            charger.uncharge(npage);
            throw e;
        }
        counters.iommuMapNs += kernel.now() - t0;
        counters.runs++;
        sink.mapped(iova, pfn, npage);
    }
}
