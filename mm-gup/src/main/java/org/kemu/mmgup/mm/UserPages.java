package org.kemu.mmgup.mm;

import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.phys.PhysicalMemoryImpl;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.SpinLock;

/**
 * Small pages for user mappings, as faults and migration get them: {@code alloc_pages()} of a batch
 * under the node's zone lock (the allocation work is done holding it, which is where concurrent
 * faults contend), then {@code clear_user_highpage()} or the migration copy, charged as one work
 * item per node touched so the bytes stream through that node's memory.
 */
final class UserPages {
    private static final long PAGE = MmConstants.PAGE_SIZE;

    private final Kernel kernel;
    private final PhysicalMemoryImpl pm;
    private final MmCosts costs;

    UserPages(Kernel kernel, PhysicalMemoryImpl pm) {
        this.kernel = kernel;
        this.pm = pm;
        this.costs = pm.costs();
    }

    /** Allocates {@code out.length} small pages (refcount 1) under the zone lock, or throws ENOMEM leaving none. */
    void allocSmall(int nid, boolean movable, long[] out, String site) {
        int k = out.length;
        KernelException.require(!FailNth.shouldFail(kernel, site), Errno.ENOMEM, site, "fail-nth: page allocation");
        int got;
        SpinLock zl = pm.zoneLock(nid);
        zl.lock();
        try {
            kernel.work(k * costs.allocPageNs());
            pm.meta().lock();
            try {
                got = pm.pageAlloc().allocSmallLocked(nid, movable, k, out, 0);
                if (got < k) {
                    for (int i = 0; i < got; i++) {
                        pm.refs().addRefsLocked(out[i], 1, -1, 0, 0);
                    }
                }
            } finally {
                pm.meta().unlock();
            }
        } finally {
            zl.unlock();
        }
        if (got != k) {
            // built only on failure: this runs once per allocation
            throw new KernelException(Errno.ENOMEM, site + ":oom", "out of memory: wanted " + k + " pages");
        }
    }

    /** Charges clearing (or copying) of the pages in {@code pfns[0..n)}: one work item per node touched. */
    void clear(long[] pfns, int n, long nsPerPage) {
        int nodes = pm.nrNodes();
        if (nodes == 1) {
            kernel.work(n * nsPerPage, 0, n * PAGE);
            return;
        }
        long[] perNode = new long[nodes];
        for (int i = 0; i < n; i++) {
            perNode[pm.nodeOf(pfns[i])]++;
        }
        for (int nd = 0; nd < nodes; nd++) {
            if (perNode[nd] > 0) {
                kernel.work(perNode[nd] * nsPerPage, nd, perNode[nd] * PAGE);
            }
        }
    }
}
