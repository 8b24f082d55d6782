package org.kemu.deferredpageinit;

import java.util.List;
import org.kemu.pluginapi.KernelJobPlugin;
import org.kemu.pluginapi.MemoryNodes;
import org.kemu.pluginapi.ParamValidator;
import org.kemu.pluginapi.PluginContext;
import org.kemu.pluginapi.PluginParam;
import org.kemu.pluginapi.PluginParams;
import org.kemu.pluginapi.PluginResult;

/** Boot-time deferred struct page init of every node's memory, over padata (2020 mainline user). */
public final class DeferredPageInitPlugin implements KernelJobPlugin {

    @Override
    public String name() {
        return "deferred-page-init";
    }

    @Override
    public String description() {
        return "boot-time struct page init per memory section, one padata job per zone, threads = node CPUs";
    }

    @Override
    public List<PluginParam> parameters() {
        return List.of(
                PluginParam.ofInt("max-threads", 0, "padata max_threads per node; 0 = the node's CPUs (x86)",
                        ParamValidator.range(0, 8192)),
                PluginParam.ofLong("struct-page-ns", DeferredInitCosts.defaults().structPageNs(), "CPU ns to initialise one struct page",
                        ParamValidator.atLeast(0)),
                PluginParam.ofLong("struct-page-bytes", DeferredInitCosts.defaults().structPageBytes(), "bytes of a struct page written to the node",
                        ParamValidator.range(0, 4096)),
                PluginParam.ofLong("free-block-ns", DeferredInitCosts.defaults().freeBlockNs(), "CPU ns to free one MAX_ORDER block to the buddy allocator",
                        ParamValidator.atLeast(0)));
    }

    @Override
    public PluginResult run(PluginContext ctx, PluginParams p) {
        DeferredPageInit d = new DeferredPageInit(ctx, new DeferredInitCosts(p.getLong("struct-page-ns"),
                p.getLong("struct-page-bytes"), p.getLong("free-block-ns")));
        d.pageAllocInitLate(p.getInt("max-threads"));
        MemoryNodes mem = ctx.memory();
        long pages = 0;
        for (int n = 0; n < mem.nrNodes(); n++) {
            for (int s = 0; s < d.sections(n); s++) {
                pages += d.initialised(n, s);
            }
            ctx.metrics().set("threads.node" + n, d.maxThreads(n, p.getInt("max-threads")));
        }
        ctx.metrics().set("struct-pages", pages);
        ctx.metrics().set("tasks.used", d.tasksUsed());
        return PluginResult.of(ctx);
    }
}
