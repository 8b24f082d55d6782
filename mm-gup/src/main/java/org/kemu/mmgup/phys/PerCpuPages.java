package org.kemu.mmgup.phys;

import org.kemu.mmgup.MmConstants;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.SpinLock;

/**
 * The per-CPU lists of order-0 movable pages (mm/page_alloc.c, 5.14: {@code struct per_cpu_pages},
 * {@code rmqueue_pcplist} -> {@code __rmqueue_pcplist}). An order-0 allocation takes
 * {@code list_first_entry} of its CPU's list; an empty list is refilled with {@code pcp->batch} pages
 * by {@code rmqueue_bulk}, which takes them one by one from the buddy lists under {@code zone->lock}
 * and appends each with {@code list_add_tail}. On a buddy that splits one large free block, each
 * {@code __rmqueue_smallest} keeps the lower half ({@code expand()} puts {@code page[size]}, the upper
 * half, back on the free list) so successive pages are ascending pfns: a refill is {@code batch}
 * physically contiguous pages, handed out in ascending order. Our buddy's lowest-first cursor
 * ({@link PageAlloc}) gives the same order. So a task gets contiguous runs of one batch, broken
 * wherever another CPU refilled in between.
 *
 * <p>Only movable user pages (GFP_HIGHUSER_MOVABLE, the COW and anonymous fault path) go through
 * these lists here; page-table pages come from the MIGRATE_UNMOVABLE list in the kernel and are not
 * modelled as pfns. Pages left on a list are returned to the buddy by {@link #drain} (as
 * {@code drain_local_pages}) when the task that filled them finishes its touch, so no page is held
 * by an emulated CPU list outside an operation.
 */
public final class PerCpuPages {
    private final Kernel kernel;
    private final PhysicalMemoryImpl pm;
    private final long[][] lists;
    private final int[] head;
    private final int[] count;
    private final int[] batchOfNode;

    public PerCpuPages(Kernel kernel, PhysicalMemoryImpl pm) {
        this.kernel = kernel;
        this.pm = pm;
        int cpus = kernel.topology().nrCpus();
        this.lists = new long[cpus][];
        this.head = new int[cpus];
        this.count = new int[cpus];
        this.batchOfNode = new int[pm.nrNodes()];
        for (int nid = 0; nid < batchOfNode.length; nid++) {
            // zone_set_pageset_high_and_batch(): new_batch = max(1, zone_batchsize(zone))
            batchOfNode[nid] = Math.max(1, zoneBatchsize(pm.nodePages(nid)));
        }
    }

    /**
     * 5.14 {@code zone_batchsize()}: about 0.1% of the zone or 1 MiB, whichever is smaller, quartered,
     * then clamped to {@code 2^n - 1} (so 63 for every zone of more than 1 GiB).
     */
    public static int zoneBatchsize(long managedPages) {
        long batch = Math.min(managedPages >> 10, (1024 * 1024) / MmConstants.PAGE_SIZE);
        batch /= 4;
        if (batch < 1) {
            batch = 1;
        }
        return (int) (Long.highestOneBit(batch + batch / 2) - 1);
    }

    /** {@code pcp->batch} of the lists of CPUs on node {@code nid}. */
    public int batch(int nid) {
        return batchOfNode[nid];
    }

    /** Pages on CPU {@code cpu}'s list. */
    public int available(int cpu) {
        return count[cpu];
    }

    /**
     * {@code rmqueue_bulk()}: refills CPU {@code cpu}'s empty list with {@code batch} pages of node
     * {@code nid} under that node's zone lock, charging {@code allocPageNs} per page taken there.
     * ENOMEM when the buddy has none left.
     */
    public void refill(int cpu, int nid) {
        int batch = batchOfNode[nid];
        if (lists[cpu] == null || lists[cpu].length < batch) {
            lists[cpu] = new long[batch];
        }
        int got;
        SpinLock zl = pm.zoneLock(nid);
        zl.lock();
        try {
            kernel.work(batch * pm.costs().allocPageNs());
            pm.meta().lock();
            try {
                got = pm.pageAlloc().allocSmallLocked(nid, true, batch, lists[cpu], 0);
                head[cpu] = 0;
                count[cpu] = got;
            } finally {
                pm.meta().unlock();
            }
        } finally {
            zl.unlock();
        }
        KernelException.require(got > 0, Errno.ENOMEM, "mm:alloc_pages:oom", "out of memory: pcp refill got no page");
    }

    /**
     * {@code list_first_entry()} of CPU {@code cpu}'s list: the next page (refcount 1), which must
     * exist; the caller holds {@link PhysicalMemoryImpl#meta()} (the kernel's pcp local lock).
     */
    public long takeLocked(int cpu) {
        count[cpu]--;
        return lists[cpu][head[cpu]++];
    }

    /**
     * {@code m} successive {@link #takeLocked} calls, the pages stored in {@code out[at..at+m)}; the
     * list must hold at least {@code m} pages.
     */
    public void takeLocked(int cpu, long[] out, int at, int m) {
        if (m > count[cpu]) {
            throw new IllegalStateException("pcp list of cpu " + cpu + " holds " + count[cpu] + " pages, " + m + " taken");
        }
        System.arraycopy(lists[cpu], head[cpu], out, at, m);
        head[cpu] += m;
        count[cpu] -= m;
    }

    /** Returns the pages left on CPU {@code cpu}'s list to the buddy allocator. */
    public void drain(int cpu) {
        if (count[cpu] == 0) {
            return;
        }
        pm.meta().lock();
        try {
            while (count[cpu] > 0) {
                pm.refs().addRefsLocked(takeLocked(cpu), 1, -1, 0, 0);
            }
        } finally {
            pm.meta().unlock();
        }
    }
}
