package org.kemu.hugetlbbootinit;

import java.util.List;
import org.kemu.mmgup.MmConstants;
import org.kemu.pluginapi.KernelJobPlugin;
import org.kemu.pluginapi.ParamValidator;
import org.kemu.pluginapi.PluginContext;
import org.kemu.pluginapi.PluginParam;
import org.kemu.pluginapi.PluginParams;
import org.kemu.pluginapi.PluginResult;

/** Boot-time hugetlb page allocation over numa-aware padata (2024 mainline user; 2025 thread rule). */
public final class HugetlbBootInitPlugin implements KernelJobPlugin {

    @Override
    public String name() {
        return "hugetlb-boot-init";
    }

    @Override
    public String description() {
        return "boot-time hugetlb allocation (hugepages=) with numa-aware padata (2024 nodes x multiplier or 2025 25% rule)"
                + " or the serial kernel before it";
    }

    @Override
    public List<PluginParam> parameters() {
        return List.of(
                PluginParam.ofChoice("page-size", "2M", "huge page size", "2M", "1G"),
                PluginParam.ofSize("size", "256G", "total hugetlb memory to allocate (hugepages= x page size)",
                        ParamValidator.atLeast(1)),
                PluginParam.ofChoice("mode", "padata", "padata: the 2024 series' numa-aware padata job; serial: the"
                        + " kernel before it (5.14's hugetlb_hstate_alloc_pages / gather_bootmem_prealloc on the boot CPU)",
                        "padata", "serial"),
                PluginParam.ofChoice("thread-rule", "nodes-x-multiplier",
                        "2024: nodes x multiplier; 2025: 25% of hardware threads", "nodes-x-multiplier", "quarter-hw"),
                PluginParam.ofInt("multiplier", 2, "the 2024 rule's max_threads = nodes x multiplier (merged: 2)",
                        ParamValidator.range(1, 1024)),
                PluginParam.ofInt("threads", 0, "hugepage_alloc_threads= (0 = the rule's default)",
                        ParamValidator.range(0, 8192)),
                PluginParam.ofLong("prep-tail-ns", 8, "CPU ns to prep one tail struct page of a folio",
                        ParamValidator.atLeast(0)),
                PluginParam.ofLong("struct-page-bytes", 64, "bytes of a struct page written to the node",
                        ParamValidator.range(0, 4096)));
    }

    @Override
    public PluginResult run(PluginContext ctx, PluginParams p) {
        boolean giga = p.getString("page-size").equals("1G");
        int order = giga ? MmConstants.PUD_ORDER : MmConstants.PMD_ORDER;
        long pageBytes = MmConstants.PAGE_SIZE << order;
        long pages = p.getLong("size") / pageBytes;
        int nodes = ctx.memory().nrNodes();
        HugetlbBootInit h = new HugetlbBootInit(ctx, p.getLong("prep-tail-ns"), p.getLong("struct-page-bytes"));
        long got;
        boolean serial = p.getString("mode").equals("serial");
        if (serial) {
            got = giga ? h.allocBoot1gSerial(pages / nodes) : h.allocBoot2mSerial(pages);
            ctx.metrics().set("max-threads", 1);
        } else if (giga) {
            got = h.allocBoot1g(pages / nodes);
            ctx.metrics().set("max-threads", nodes);
        } else {
            ThreadRule rule = p.getString("thread-rule").equals("quarter-hw") ? ThreadRule.QUARTER_HW
                    : ThreadRule.NODES_X_MULTIPLIER;
            HugetlbBootInit.Plan plan = HugetlbBootInit.plan2m(pages, nodes, ctx.tasks().topology().nrCpus(), rule,
                    p.getInt("threads"), p.getInt("multiplier"));
            got = h.allocBoot2m(pages, plan);
            ctx.metrics().set("max-threads", plan.maxThreads());
            ctx.metrics().set("min-chunk", plan.minChunk());
        }
        ctx.metrics().set("pages.requested", giga ? pages / nodes * nodes : pages);
        ctx.metrics().set("pages.allocated", got);
        for (int n = 0; n < nodes; n++) {
            ctx.metrics().set("pages.node" + n, ctx.hugetlb().nrHugepages(n, order));
        }
        ctx.metrics().set("tasks.used", h.tasksUsed());
        return PluginResult.of(ctx);
    }
}
