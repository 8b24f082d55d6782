package org.kemu.hugetlbfallocate;

import java.util.List;
import java.util.Locale;
import org.kemu.mmgup.MmConstants;
import org.kemu.pluginapi.HugetlbPoolView;
import org.kemu.pluginapi.KernelJobPlugin;
import org.kemu.pluginapi.MemoryNodes;
import org.kemu.pluginapi.ParamValidator;
import org.kemu.pluginapi.PluginContext;
import org.kemu.pluginapi.PluginParam;
import org.kemu.pluginapi.PluginParams;
import org.kemu.pluginapi.PluginResult;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Mempolicy;
import org.kemu.schedfair.NodeMask;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskMemory;

/**
 * {@code fallocate()} of a hugetlbfs file with a padata job. Set-up grows each node's pool to
 * {@code pool-per-node} (not measured); the measured job is the fallocate call.
 */
public final class HugetlbFallocatePlugin implements KernelJobPlugin {

    @Override
    public String name() {
        return "hugetlb-fallocate";
    }

    @Override
    public String description() {
        return "multithreaded fallocate of a hugetlbfs file: reserve, allocate and clear huge pages, undo on ENOSPC";
    }

    @Override
    public List<PluginParam> parameters() {
        return List.of(
                PluginParam.ofChoice("page-size", "2M", "huge page size", "2M", "1G"),
                PluginParam.ofSize("length", "32G", "file length to allocate (rounded up to the page size)",
                        ParamValidator.atLeast(1)),
                PluginParam.ofSize("pool-per-node", "32G", "hugetlb pool grown on every node before the job",
                        ParamValidator.atLeast(0)),
                PluginParam.ofInt("threads", 16, "padata max_threads", ParamValidator.range(1, 8192)),
                PluginParam.ofLong("min-chunk", 0, "padata min_chunk in pages; 0 = 128 MiB worth, at least 1",
                        ParamValidator.atLeast(0)),
                PluginParam.ofBoolean("numa-aware", true, "spread helpers over nodes (padata numa_aware)"),
                PluginParam.ofChoice("placement", "local", "memory policy: local, interleave or bind to 'node'",
                        "local", "interleave", "bind"),
                PluginParam.ofInt("node", 0, "node for placement=bind", ParamValidator.atLeast(0)),
                PluginParam.ofBoolean("reserve", true, "reserve the range before allocating (hugetlb_reserve_pages)"),
                PluginParam.ofBoolean("signal-aware", false,
                        "padata helpers stop on a fatal signal to the caller; undo and EINTR (the RFC's TODO)"),
                PluginParam.ofString("cpuset-mems", "",
                        "the caller's cpuset.mems as a nodelist (e.g. 0-1); empty = every node"),
                PluginParam.ofChoice("mempolicy", "default",
                        "the caller's task memory policy (set_mempolicy), used where the file has none (placement=local)",
                        "default", "bind", "preferred", "interleave"),
                PluginParam.ofString("mempolicy-nodes", "0", "nodelist of the task memory policy"),
                PluginParam.ofBoolean("helpers-follow-mems", false,
                        "padata helpers allocate with the caller's cpuset.mems and mempolicy (the RFC's TODOs)"),
                PluginParam.ofLong("lookup-ns", FallocateCosts.defaults().lookupNs(),
                        "per page: fault mutex and page-cache lookup", ParamValidator.atLeast(0)),
                PluginParam.ofLong("dequeue-ns", FallocateCosts.defaults().dequeueNs(),
                        "per page: dequeue from the free list under hugetlb_lock", ParamValidator.atLeast(0)),
                PluginParam.ofLong("insert-ns", FallocateCosts.defaults().pageCacheInsertNs(),
                        "per page: insert into the page cache", ParamValidator.atLeast(0)));
    }

    @Override
    public PluginResult run(PluginContext ctx, PluginParams p) {
        int order = p.getString("page-size").equals("1G") ? MmConstants.PUD_ORDER : MmConstants.PMD_ORDER;
        long pageBytes = MmConstants.PAGE_SIZE << order;
        long nPages = (p.getLong("length") + pageBytes - 1) / pageBytes;
        KernelException.require(nPages <= Integer.MAX_VALUE, Errno.EINVAL, "hugetlbfs_fallocate:length",
                "file too long");
        MemoryNodes nodes = ctx.memory();
        HugetlbPoolView pools = ctx.hugetlb();
        long poolPages = p.getLong("pool-per-node") / pageBytes;
        for (int n = 0; n < nodes.nrNodes(); n++) {
            if (pools.nrHugepages(n, order) < poolPages) {
                pools.setNrHugepages(n, order, poolPages);
            }
        }
        ctx.restartClock();
        long minChunk = p.getLong("min-chunk") > 0 ? p.getLong("min-chunk") : Math.max(1, (128L << 20) / pageBytes);
        HugetlbFile file = new HugetlbFile(order, (int) nPages);
        HugetlbfsFallocate.Request req = new HugetlbfsFallocate.Request(order, p.getLong("length"),
                p.getInt("threads"), minChunk, p.getBoolean("numa-aware"),
                Placement.valueOf(p.getString("placement").toUpperCase(Locale.ROOT)), p.getInt("node"),
                p.getBoolean("reserve"), p.getBoolean("signal-aware"), p.getBoolean("helpers-follow-mems"));
        FallocateCosts costs = new FallocateCosts(p.getLong("lookup-ns"), p.getLong("dequeue-ns"),
                p.getLong("insert-ns"), FallocateCosts.defaults().freeNs());
        Task caller = ctx.tasks().current();
        TaskMemory own = caller.attachment(TaskMemory.class);
        TaskMemory.set(caller, callerMemory(p, nodes.nrNodes()));
        int threads;
        try {
            threads = new HugetlbfsFallocate(ctx, costs).fallocate(file, req);
        } finally {
            TaskMemory.set(caller, own);
        }
        long[] perNode = new long[nodes.nrNodes()];
        for (int i = 0; i < file.size(); i++) {
            perNode[nodes.nodeOf(file.page(i))]++;
        }
        ctx.metrics().set("pages", file.populated());
        ctx.metrics().set("threads.used", threads);
        for (int n = 0; n < perNode.length; n++) {
            ctx.metrics().set("pages.node" + n, perNode[n]);
        }
        ctx.metrics().gauge("gib", file.populated() * (double) pageBytes / (1L << 30));
        return PluginResult.of(ctx);
    }

    /**
     * The caller's cpuset.mems and task policy: writing cpuset.mems rejects nodes the machine lacks
     * (5.14 {@code update_nodemask}: EINVAL), and {@code set_mempolicy} keeps only allowed nodes.
     */
    static TaskMemory callerMemory(PluginParams p, int nrNodes) {
        NodeMask all = NodeMask.all(nrNodes);
        NodeMask mems = p.getString("cpuset-mems").isBlank() ? null : NodeMask.parse(p.getString("cpuset-mems"));
        KernelException.require(mems == null || (!mems.isEmpty() && mems.isSubsetOf(all)), Errno.EINVAL,
                "cpuset.mems:update_nodemask", "nodes " + mems + " not all on the machine (" + all + ")");
        Mempolicy.Mode mode = Mempolicy.Mode.valueOf(p.getString("mempolicy").toUpperCase(Locale.ROOT));
        Mempolicy pol = Mempolicy.set(mode, NodeMask.parse(p.getString("mempolicy-nodes")),
                mems == null ? all : mems);
        return TaskMemory.DEFAULTS.withMemsAllowed(mems).withMempolicy(pol);
    }
}
