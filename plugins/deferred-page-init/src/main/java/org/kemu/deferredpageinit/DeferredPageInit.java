package org.kemu.deferredpageinit;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.kemu.mmgup.Zone;
import org.kemu.padatacore.Padata;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.pluginapi.KernelTasks;
import org.kemu.pluginapi.MemoryNodes;
import org.kemu.pluginapi.PluginContext;
import org.kemu.schedfair.Task;

/**
 * {@code deferred_init_memmap()} as parallelised in 2020 (docs/kernel/padata.md section 2.3): one
 * {@code pgdatinit<N>} kthread per node, bound to the node's CPUs, runs one padata job per zone range
 * with {@code thread_fn = deferred_init_memmap_chunk}, {@code align = min_chunk = PAGES_PER_SECTION}
 * and {@code max_threads = deferred_page_init_max_threads()} (the x86 override: the node's CPUs).
 *
 * <p>Helpers stay on the node: mainline queues them on the unbound workqueue from a CPU of the node,
 * whose worker pool is the node's; here they are kthreads following the pgdatinit thread's affinity.
 */
public final class DeferredPageInit {
    /** x86-64 SECTION_SIZE_BITS 27 with 4 KiB pages: 128 MiB sections. */
    public static final long PAGES_PER_SECTION = 1L << (27 - 12);
    /** MAX_ORDER blocks of 4 MiB (order 10) freed to the buddy allocator. */
    public static final long MAX_ORDER_NR_PAGES = 1L << 10;

    private final PluginContext ctx;
    private final KernelTasks k;
    private final DeferredInitCosts costs;
    /** Per node, per section: struct pages initialised (a check that each is done exactly once). */
    private final long[][] initialised;
    private final Set<Long> helperTasks = ConcurrentHashMap.newKeySet();

    public DeferredPageInit(PluginContext ctx, DeferredInitCosts costs) {
        this.ctx = ctx;
        this.k = ctx.tasks();
        this.costs = costs;
        MemoryNodes mem = ctx.memory();
        this.initialised = new long[mem.nrNodes()][];
        for (int n = 0; n < mem.nrNodes(); n++) {
            initialised[n] = new long[(int) ((mem.nodePages(n) + PAGES_PER_SECTION - 1) / PAGES_PER_SECTION)];
        }
    }

    /** x86's deferred_page_init_max_threads(): the CPUs of the node; {@code override} > 0 replaces it. */
    public int maxThreads(int nid, int override) {
        return override > 0 ? override : k.topology().cpusOfNode(nid).and(k.onlineMask()).weight();
    }

    /** page_alloc_init_late(): starts every node's pgdatinit thread and waits for all of them. */
    public void pageAllocInitLate(int maxThreadsOverride) {
        MemoryNodes mem = ctx.memory();
        List<Task> threads = new ArrayList<>();
        for (int nid = 0; nid < mem.nrNodes(); nid++) {
            int node = nid;
            Task t = k.kthreadCreate("pgdatinit" + nid, () -> deferredInitMemmap(node, maxThreads(node,
                    maxThreadsOverride)));
            k.kthreadBindMask(t, k.topology().cpusOfNode(nid));
            threads.add(t);
        }
        for (Task t : threads) {
            k.wakeUpProcess(t);
        }
        for (Task t : threads) {
            k.join(t);
        }
    }

    /** deferred_init_memmap(pgdat): one padata job per zone range of the node. */
    void deferredInitMemmap(int nid, int maxThreads) {
        MemoryNodes mem = ctx.memory();
        Padata padata = ctx.padata(ctx.padata().features().withKthreadHelpers(true).withFollowMainAffinity(true));
        long nodeStart = mem.nodeStartPfn(nid);
        long movable = mem.zoneStartPfn(nid, Zone.MOVABLE);
        long end = nodeStart + mem.nodePages(nid);
        long[][] ranges = {{nodeStart, movable}, {movable, end}};
        for (long[] r : ranges) {
            if (r[1] <= r[0]) {
                continue;
            }
            padata.doMultithreaded(PadataMtJob.<Integer>builder((s, e, node) -> {
                helperTasks.add(k.current().id());
                deferredInitMemmapChunk(node, s, e);
                return 0;
            }).arg(nid).start(r[0]).size(r[1] - r[0]).align(PAGES_PER_SECTION).minChunk(PAGES_PER_SECTION)
                    .maxThreads(maxThreads).lockdepName("deferred_init_memmap").build());
        }
    }

    /** deferred_init_memmap_chunk: init the struct pages of [spfn, epfn) section by section, then free them. */
    void deferredInitMemmapChunk(int nid, long spfn, long epfn) {
        MemoryNodes mem = ctx.memory();
        long base = mem.nodeStartPfn(nid);
        long pfn = spfn;
        while (pfn < epfn) {
            long sectionEnd = Math.min(epfn, (pfn / PAGES_PER_SECTION + 1) * PAGES_PER_SECTION);
            long n = sectionEnd - pfn;
            long blocks = (n + MAX_ORDER_NR_PAGES - 1) / MAX_ORDER_NR_PAGES;
            costs.work(k, nid, n, blocks);
            initialised[nid][(int) ((pfn - base) / PAGES_PER_SECTION)] += n;
            pfn = sectionEnd;
        }
        k.condResched();
    }

    /** Struct pages initialised in section {@code s} of node {@code nid}. */
    public long initialised(int nid, int section) {
        return initialised[nid][section];
    }

    public int sections(int nid) {
        return initialised[nid].length;
    }

    /** Distinct tasks that ran chunks, over all nodes. */
    public int tasksUsed() {
        return helperTasks.size();
    }
}
