package org.kemu.hugetlbbootinit;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.kemu.mmgup.MmConstants;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.pluginapi.HugetlbPoolView;
import org.kemu.pluginapi.KernelTasks;
import org.kemu.pluginapi.MemoryNodes;
import org.kemu.pluginapi.PluginContext;

/**
 * Boot-time hugetlb allocation over padata (docs/kernel/padata.md section 2.3). 2 MiB pages:
 * {@code hugetlb_pages_alloc_boot} runs {@code hugetlb_pages_alloc_boot_node} over
 * {@code size = max_huge_pages}, {@code align = 1}, {@code numa_aware}; each chunk allocates its pages
 * round-robin over the nodes with memory, then preps them. 1 GiB pages: {@code gather_bootmem_prealloc}
 * with one unit per node ({@code size = max_threads = nodes}, {@code align = min_chunk = 1}).
 *
 * <p>Each folio is allocated as 6.9's {@code alloc_pool_huge_folio()} does: fresh from the buddy
 * allocator ({@link HugetlbPoolView#allocFreshFolio}: the free-list removal under the node's zone
 * lock, the rest of the allocation after it), then prepped ({@code prep_compound_page}: every tail
 * struct page, on the folio's node), round-robin over the nodes with memory; a chunk's folios join
 * the pools at its end in one {@code hugetlb_lock} hold ({@code prep_and_add_allocated_folios}). So
 * helpers contend only for the zone locks and hugetlb_lock, as the kernel's do.
 */
public final class HugetlbBootInit {
    private final PluginContext ctx;
    private final KernelTasks k;
    private final MemoryNodes nodes;
    private final HugetlbPoolView pools;
    private final long prepTailNs;
    private final long structPageBytes;
    private final Set<Long> tasks = ConcurrentHashMap.newKeySet();

    /** The job's shape. */
    public record Plan(long size, int maxThreads, long minChunk) {
    }

    public HugetlbBootInit(PluginContext ctx, long prepTailNs, long structPageBytes) {
        this.ctx = ctx;
        this.k = ctx.tasks();
        this.nodes = ctx.memory();
        this.pools = ctx.hugetlb();
        this.prepTailNs = prepTailNs;
        this.structPageBytes = structPageBytes;
    }

    /** {@link #plan2m(long, int, int, ThreadRule, int, int)} with the merged multiplier 2. */
    public static Plan plan2m(long pages, int nodes, int hwThreads, ThreadRule rule, int threadsOverride) {
        return plan2m(pages, nodes, hwThreads, rule, threadsOverride, 2);
    }

    /**
     * The padata job of the 2 MiB path under {@code rule}; {@code threadsOverride} is
     * hugepage_alloc_threads=, {@code multiplier} the 2024 rule's (max_threads = nodes x multiplier).
     */
    public static Plan plan2m(long pages, int nodes, int hwThreads, ThreadRule rule, int threadsOverride,
            int multiplier) {
        if (rule == ThreadRule.NODES_X_MULTIPLIER) {
            int t = threadsOverride > 0 ? threadsOverride : nodes * multiplier;
            return new Plan(pages, t, pages / nodes / multiplier);
        }
        int t = threadsOverride > 0 ? threadsOverride : Math.max(hwThreads / 4, 1);
        return new Plan(pages, t, pages / t);
    }

    /** Allocates {@code pages} 2 MiB pages at boot; returns the pages obtained. */
    public long allocBoot2m(long pages, Plan plan) {
        int order = MmConstants.PMD_ORDER;
        long before = total(order);
        ctx.padata().doMultithreaded(PadataMtJob.<Void>builder((s, e, a) -> {
            tasks.add(k.current().id());
            allocBootNode(order, s, e);
            return 0;
        }).size(plan.size()).align(1).minChunk(plan.minChunk()).maxThreads(plan.maxThreads()).numaAware(true)
                .lockdepName("hugetlb_pages_alloc_boot").build());
        return total(order) - before;
    }

    /**
     * Before the 2024 series (5.14's {@code hugetlb_hstate_alloc_pages()}): one loop on the boot CPU,
     * {@code alloc_pool_huge_page()} round-robin over the nodes with memory, each page prepped as it
     * is allocated. The same per-page work as a padata chunk, all in the calling task.
     */
    public long allocBoot2mSerial(long pages) {
        int order = MmConstants.PMD_ORDER;
        long before = total(order);
        tasks.add(k.current().id());
        allocBootNode(order, 0, pages);
        return total(order) - before;
    }

    /**
     * Before the 2024 series (5.14's {@code gather_bootmem_prealloc()}): the boot CPU walks every
     * bootmem gigantic page, node after node, and preps its tail struct pages itself.
     */
    public long allocBoot1gSerial(long perNode) {
        int order = MmConstants.PUD_ORDER;
        long before = total(order);
        tasks.add(k.current().id());
        for (int nid = 0; nid < nodes.nrNodes(); nid++) {
            gatherNode(order, nid, perNode);
        }
        return total(order) - before;
    }

    /**
     * hugetlb_pages_alloc_boot_node: pages [start, end), each from the next node with memory after the
     * last one used (for_each_node_mask_to_alloc from first_online_node), trying the others when one
     * has none left; stops when no node has a free block.
     */
    void allocBootNode(int order, long start, long end) {
        int nodes = this.nodes.nrNodes();
        long[] heads = new long[Math.toIntExact(end - start)];
        int got = 0;
        int next = 0;
        for (long i = start; i < end; i++) {
            long head = -1;
            for (int tried = 0; tried < nodes && head < 0; tried++) {
                int nid = next;
                next = (next + 1) % nodes;
                head = allocPrepped(order, nid);
            }
            if (head < 0) {
                break;
            }
            heads[got++] = head;
            k.condResched();
        }
        pools.addAllocatedFolios(order, heads, got);
    }

    /** One fresh folio on {@code nid} with its tail struct pages prepped there; -1 when the node has none. */
    private long allocPrepped(int order, int nid) {
        long head = pools.allocFreshFolio(nid, order);
        if (head >= 0) {
            // prep_new_hugetlb_folio / prep_compound_page: every tail struct page, on the folio's node
            long tails = (1L << order) - 1;
            k.work(tails * prepTailNs, nid, tails * structPageBytes);
        }
        return head;
    }

    /** gather_bootmem_prealloc for 1 GiB pages: one unit per node, numa_aware. */
    public long allocBoot1g(long perNode) {
        int order = MmConstants.PUD_ORDER;
        long before = total(order);
        int nodes = this.nodes.nrNodes();
        ctx.padata().doMultithreaded(PadataMtJob.<Void>builder((s, e, a) -> {
            tasks.add(k.current().id());
            for (long nid = s; nid < e; nid++) {
                gatherNode(order, (int) nid, perNode);
            }
            return 0;
        }).size(nodes).align(1).minChunk(1).maxThreads(nodes).numaAware(true)
                .lockdepName("gather_bootmem_prealloc").build());
        return total(order) - before;
    }

    /** One node's bootmem gigantic pages into the pool, each prepped (prep_compound_gigantic_page). */
    private void gatherNode(int order, int nid, long perNode) {
        long[] heads = new long[Math.toIntExact(perNode)];
        int got = 0;
        while (got < perNode) {
            long head = allocPrepped(order, nid);
            if (head < 0) {
                break;
            }
            heads[got++] = head;
        }
        pools.addAllocatedFolios(order, heads, got);
    }

    private long total(int order) {
        long t = 0;
        for (int n = 0; n < nodes.nrNodes(); n++) {
            t += pools.nrHugepages(n, order);
        }
        return t;
    }

    public int tasksUsed() {
        return tasks.size();
    }
}
