package org.kemu.memoryhotpluginit;

import java.util.List;
import java.util.Locale;
import org.kemu.deferredpageinit.DeferredInitCosts;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.Zone;
import org.kemu.pluginapi.KernelJobPlugin;
import org.kemu.pluginapi.MemoryNodes;
import org.kemu.pluginapi.ParamValidator;
import org.kemu.pluginapi.PluginContext;
import org.kemu.pluginapi.PluginParam;
import org.kemu.pluginapi.PluginParams;
import org.kemu.pluginapi.PluginResult;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * Onlining hot-added memory with padata-parallel struct page init. Set-up (not measured): {@code
 * add_memory()} of {@code size} bytes on {@code node}, above every boot node's memory. The measured
 * job is {@code online_pages()} of the whole range into {@code zone}.
 */
public final class MemoryHotplugInitPlugin implements KernelJobPlugin {

    @Override
    public String name() {
        return "memory-hotplug-init";
    }

    @Override
    public String description() {
        return "online_pages of a hot-added range: memmap_init_range in section-aligned padata chunks on the "
                + "node's CPUs, undone on a MEM_GOING_ONLINE veto";
    }

    @Override
    public List<PluginParam> parameters() {
        DeferredInitCosts d = DeferredInitCosts.defaults();
        return List.of(
                PluginParam.ofSize("size", "16G", "bytes hot-added and onlined (whole 128 MiB sections)",
                        ParamValidator.atLeast(HotAddedMemory.PAGES_PER_SECTION << MmConstants.PAGE_SHIFT)),
                PluginParam.ofInt("node", 0, "node the memory is added to", ParamValidator.atLeast(0)),
                PluginParam.ofInt("threads", 0, "padata max_threads; 0 = the node's CPUs", ParamValidator.range(0, 8192)),
                PluginParam.ofChoice("zone", "movable", "zone onlined into (online_movable or online_kernel)",
                        "movable", "normal"),
                PluginParam.ofLong("struct-page-ns", d.structPageNs(), "CPU ns to initialise one struct page",
                        ParamValidator.atLeast(0)),
                PluginParam.ofLong("struct-page-bytes", d.structPageBytes(), "bytes of a struct page written to the node",
                        ParamValidator.range(0, 4096)),
                PluginParam.ofLong("free-block-ns", d.freeBlockNs(),
                        "CPU ns to free one MAX_ORDER block to the buddy allocator", ParamValidator.atLeast(0)));
    }

    @Override
    public PluginResult run(PluginContext ctx, PluginParams p) {
        MemoryNodes mem = ctx.memory();
        int nid = p.getInt("node");
        KernelException.require(nid < ctx.tasks().topology().nodes(), Errno.EINVAL, "add_memory:nid",
                "no node " + nid);
        long sectionBytes = HotAddedMemory.PAGES_PER_SECTION << MmConstants.PAGE_SHIFT;
        long sections = (p.getLong("size") + sectionBytes - 1) / sectionBytes;
        KernelException.require(sections <= Integer.MAX_VALUE, Errno.EINVAL, "add_memory:size", "too large");
        long top = 0;
        for (int n = 0; n < mem.nrNodes(); n++) {
            top = Math.max(top, mem.nodeStartPfn(n) + mem.nodePages(n));
        }
        long start = (top + HotAddedMemory.PAGES_PER_SECTION - 1) / HotAddedMemory.PAGES_PER_SECTION
                * HotAddedMemory.PAGES_PER_SECTION;
        HotAddedMemory added = new HotAddedMemory(nid, start, (int) sections);
        ctx.restartClock();
        OnlinePages op = new OnlinePages(ctx, new DeferredInitCosts(p.getLong("struct-page-ns"),
                p.getLong("struct-page-bytes"), p.getLong("free-block-ns")));
        Zone zone = Zone.valueOf(p.getString("zone").toUpperCase(Locale.ROOT));
        op.onlinePages(added, start, sections * HotAddedMemory.PAGES_PER_SECTION, zone, p.getInt("threads"));
        long pages = 0;
        for (int s = 0; s < added.sections(); s++) {
            pages += added.initialised(s);
        }
        ctx.metrics().set("struct-pages", pages);
        ctx.metrics().set("sections.online", added.sections());
        ctx.metrics().set("blocks.freed", added.blocksFreed());
        ctx.metrics().set("threads.max", op.maxThreads(nid, p.getInt("threads")));
        ctx.metrics().set("tasks.used", op.tasksUsed());
        return PluginResult.of(ctx);
    }
}
