package org.kemu.hugetlbfallocate;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.kemu.mmgup.MmConstants;
import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.pluginapi.HugetlbPoolView;
import org.kemu.pluginapi.KernelTasks;
import org.kemu.pluginapi.MemoryNodes;
import org.kemu.pluginapi.PluginContext;
import org.kemu.schedfair.AtomicCounter;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Mempolicy;
import org.kemu.schedfair.NodeMask;
import org.kemu.schedfair.SpinLock;
import org.kemu.schedfair.TaskMemory;

/**
 * Multithreaded {@code hugetlbfs_fallocate()} in the manner of the ktask hugetlbfs user: the range is
 * reserved against the pools up front ({@code hugetlb_reserve_pages}), then a padata job allocates,
 * clears and inserts each huge page. A chunk that cannot get a page unwinds its own pages and fails
 * with ENOSPC (what hugetlbfs_fallocate returns when {@code alloc_hugetlb_folio} fails); padata then
 * undoes every completed chunk, and the unused reservation is dropped, so the pools are as they were.
 */
public final class HugetlbfsFallocate {
    /** Reservations consume one unit per allocation; the leftover is dropped on failure. */
    private final PluginContext ctx;
    private final KernelTasks k;
    private final MemoryNodes nodes;
    private final HugetlbPoolView pools;
    private final FallocateCosts costs;
    private final SpinLock hugetlbLock;

    /**
     * What a call does; {@code signalAware} switches on padata's signal-aware helpers (the RFC's
     * TODO), the parallel of the serial loop's {@code signal_pending(current)} check: a fatal signal
     * to the caller stops the job, its completed chunks are undone and the call fails with EINTR.
     * {@code helpersFollowMems} switches on the RFC's cpuset.mems and NUMA policy TODOs
     * ({@code FOLLOW_MAIN_MEMS}): helpers allocate with the caller's cpuset.mems and task mempolicy
     * instead of a root-cpuset kthread's local default.
     */
    public record Request(int order, long lengthBytes, int maxThreads, long minChunk, boolean numaAware,
            Placement placement, int node, boolean reserve, boolean signalAware, boolean helpersFollowMems) {
        public Request(int order, long lengthBytes, int maxThreads, long minChunk, boolean numaAware,
                Placement placement, int node, boolean reserve) {
            this(order, lengthBytes, maxThreads, minChunk, numaAware, placement, node, reserve, false, false);
        }

        public Request(int order, long lengthBytes, int maxThreads, long minChunk, boolean numaAware,
                Placement placement, int node, boolean reserve, boolean signalAware) {
            this(order, lengthBytes, maxThreads, minChunk, numaAware, placement, node, reserve, signalAware, false);
        }
    }

    public HugetlbfsFallocate(PluginContext ctx, FallocateCosts costs) {
        this.ctx = ctx;
        this.k = ctx.tasks();
        this.nodes = ctx.memory();
        this.pools = ctx.hugetlb();
        this.costs = costs;
        this.hugetlbLock = k.spinlock("hugetlb_lock");
    }

    /**
     * Allocates every huge page of {@code file} (offset 0, length rounded up to the page size) and
     * returns the number of threads that ran chunks. ENOSPC when the pools cannot cover the range;
     * EINVAL for a bad node; the file and pools are then as they were.
     */
    public int fallocate(HugetlbFile file, Request req) {
        int order = file.order();
        KernelException.require(req.placement() != Placement.BIND
                || (req.node() >= 0 && req.node() < nodes.nrNodes()), Errno.EINVAL, "hugetlbfs_fallocate:node",
                "no node " + req.node());
        long n = file.size();
        if (n == 0) {
            return 0;
        }
        if (req.reserve()) {
            boolean ok;
            hugetlbLock.lock();
            try {
                ok = !k.shouldFail("hugetlbfs_fallocate:hugetlb_reserve_pages")
                        && pools.reservePages(order, n);
            } finally {
                hugetlbLock.unlock();
            }
            KernelException.require(ok, Errno.ENOSPC, "hugetlbfs_fallocate:hugetlb_reserve_pages",
                    "hugetlb pools cannot reserve " + n + " pages of order " + order);
            checkAllowedMems(order, n);
        }
        AtomicCounter allocated = k.atomic("hugetlbfs_fallocate:allocated", 0);
        Set<Long> threads = ConcurrentHashMap.newKeySet();
        Padata padata = ctx.padata(ctx.padata().features().withReturnFirstError(true).withUndo(true)
                .withSignalAwareHelpers(req.signalAware()).withFollowMainMems(req.helpersFollowMems()));
        int ret = padata.doMultithreaded(PadataMtJob.<HugetlbFile>builder((s, e, f) -> {
            threads.add(k.current().id());
            return fallocateChunk(f, s, e, req, allocated);
        }).arg(file).size(n).align(1).minChunk(req.minChunk()).maxThreads(req.maxThreads())
                .numaAware(req.numaAware()).undo((s, e, f) -> freeRange(f, s, e))
                .lockdepName("hugetlbfs_fallocate").build());
        if (ret != 0) {
            if (req.reserve()) {
                hugetlbLock.lock();
                try {
                    pools.unreservePages(order, n - allocated.get());
                } finally {
                    hugetlbLock.unlock();
                }
            }
            Errno errno = Errno.of(ret);
            if (errno == Errno.EINTR) {
                throw new KernelException(errno, "hugetlbfs_fallocate:fatal_signal",
                        "fatal signal to the caller; completed chunks undone");
            }
            throw new KernelException(errno, "hugetlbfs_fallocate:alloc_hugetlb_folio",
                    "could not allocate " + n + " huge pages of order " + order + "; completed chunks undone");
        }
        return threads.size();
    }

    private int fallocateChunk(HugetlbFile f, long start, long end, Request req, AtomicCounter allocated) {
        long bytes = MmConstants.PAGE_SIZE << f.order();
        long pages = 1L << f.order();
        for (long i = start; i < end; i++) {
            k.work(costs.lookupNs());
            long head = k.shouldFail("hugetlbfs_fallocate:alloc_hugetlb_folio") ? -1
                    : allocFolio(f.order(), i, req);
            if (head < 0) {
                freeRange(f, start, i);
                return -Errno.ENOSPC.value();
            }
            allocated.addAndGet(1);
            // clear_huge_page: CPU per 4 KiB, and the bytes stream through the page's own node
            k.work(pages * nodes.clearPageNs(), nodes.nodeOf(head), bytes);
            f.cleared((int) i);
            k.work(costs.pageCacheInsertNs());
            f.install((int) i, head);
        }
        return 0;
    }

    /**
     * {@code alloc_hugetlb_folio} of page {@code index} for the current task: {@code huge_node()} picks
     * the start node and nodemask from the file's policy or, with none ({@link Placement#LOCAL}), the
     * task's own ({@code get_vma_policy} falls back to {@code get_task_policy(current)}), then
     * {@code dequeue_huge_page_nodemask()} walks the zonelist from that node, skipping nodes outside
     * the nodemask and the task's cpuset.mems ({@code cpuset_zone_allowed}). -1 when no allowed node
     * has a page (or, unreserved, none is unreserved).
     */
    private long allocFolio(int order, long index, Request req) {
        TaskMemory tm = TaskMemory.of(k.current());
        int local = k.topology().nodeOf(Math.max(0, k.current().cpu()));
        int nid;
        NodeMask nodemask;
        switch (req.placement()) {
            case INTERLEAVE -> {
                // the file's interleave policy over every node: offset_il_node of the page's index
                nid = (int) (index % nodes.nrNodes());
                nodemask = null;
            }
            case BIND -> {
                nid = req.node();
                nodemask = NodeMask.of(req.node());
            }
            default -> {
                Mempolicy pol = tm.mempolicy();
                if (pol.mode() == Mempolicy.Mode.INTERLEAVE) {
                    // interleave_nid with a VMA: the pseudo-VMA starts at offset 0, so the offset is the index
                    nid = pol.offsetIlNode(index);
                    nodemask = null;
                } else {
                    nid = pol.policyNode(local);
                    nodemask = pol.policyNodemask();
                }
            }
        }
        hugetlbLock.lock();
        try {
            k.work(costs.dequeueNs());
            if (nodemask == null && tm.memsAllowed() == null) {
                // nothing filters the zonelist: every node, the start node first
                return pools.allocFolio(nid, order, req.reserve(), false);
            }
            int nr = nodes.nrNodes();
            for (int step = 0; step < nr; step++) {
                int node = (nid + step) % nr;
                if ((nodemask != null && !nodemask.contains(node)) || !tm.nodeAllowed(node)) {
                    continue;
                }
                // an unreserved allocation must not consume somebody else's reservation
                long head = pools.allocFolio(node, order, req.reserve(), true);
                if (head >= 0) {
                    return head;
                }
            }
            return -1;
        } finally {
            hugetlbLock.unlock();
        }
    }

    /**
     * 5.14 {@code hugetlb_acct_memory}'s second check, {@code allowed_mems_nr()}: a reservation larger
     * than the free pages on the caller's cpuset.mems (and, under MPOL_BIND, its policy's nodes) fails
     * with ENOMEM and is given back, although the pools as a whole could cover it.
     */
    private void checkAllowedMems(int order, long n) {
        TaskMemory tm = TaskMemory.of(k.current());
        NodeMask bind = tm.mempolicy().policyNodemask();
        long allowed = 0;
        for (int node = 0; node < nodes.nrNodes(); node++) {
            if (tm.nodeAllowed(node) && (bind == null || bind.contains(node))) {
                allowed += pools.freeHugepages(node, order);
            }
        }
        if (n > allowed) {
            hugetlbLock.lock();
            try {
                pools.unreservePages(order, n);
            } finally {
                hugetlbLock.unlock();
            }
            throw new KernelException(Errno.ENOMEM, "hugetlbfs_fallocate:hugetlb_reserve_pages:allowed_mems_nr",
                    n + " pages of order " + order + " but only " + allowed + " free on cpuset.mems "
                            + tm.memsAllowed(nodes.nrNodes()) + " / policy " + tm.mempolicy());
        }
    }

    private void freeRange(HugetlbFile f, long start, long end) {
        for (long i = start; i < end; i++) {
            long head = f.remove((int) i);
            if (head < 0) {
                continue;
            }
            hugetlbLock.lock();
            try {
                k.work(costs.freeNs());
                pools.freeFolio(head);
            } finally {
                hugetlbLock.unlock();
            }
        }
    }
}
