package org.kemu.exampleplugin;

import java.util.List;
import org.kemu.mmgup.MmConstants;
import org.kemu.padatacore.PadataMtJob;
import org.kemu.pluginapi.KernelJobPlugin;
import org.kemu.pluginapi.KernelTasks;
import org.kemu.pluginapi.ParamValidator;
import org.kemu.pluginapi.PluginContext;
import org.kemu.pluginapi.PluginParam;
import org.kemu.pluginapi.PluginParams;
import org.kemu.pluginapi.PluginResult;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * The smallest useful plugin: clears {@code size} bytes of node {@code node}'s memory with a padata
 * job of up to {@code threads} threads, one 4 KiB page at the memory subsystem's clearing cost
 * ({@code MemoryNodes.clearPageNs}, the profile's) plus the bytes through the node. The guide (docs/plugins.md) walks
 * through it.
 */
public final class ExampleZeroingPlugin implements KernelJobPlugin {
    /** Units of the job: 2 MiB, so one chunk is at least one PMD's worth of pages. */
    static final long UNIT = MmConstants.PMD_SIZE;

    @Override
    public String name() {
        return "example-zeroing";
    }

    @Override
    public String description() {
        return "clears memory of one node with a padata job (the plugin guide's example)";
    }

    @Override
    public List<PluginParam> parameters() {
        return List.of(
                PluginParam.ofSize("size", "1G", "bytes to clear, a multiple of 2M",
                        v -> (Long) v > 0 && (Long) v % UNIT == 0 ? null : "must be a positive multiple of 2M"),
                PluginParam.ofInt("threads", 4, "padata max_threads", ParamValidator.range(1, 4096)),
                PluginParam.ofInt("node", 0, "node whose memory is cleared", ParamValidator.atLeast(0)));
    }

    @Override
    public PluginResult run(PluginContext ctx, PluginParams params) {
        KernelTasks k = ctx.tasks();
        int node = params.getInt("node");
        KernelException.require(node < k.topology().nodes(), Errno.EINVAL, "example:node",
                "no node " + node + " on a machine of " + k.topology().nodes());
        long units = params.getLong("size") / UNIT;
        long pagesPerUnit = UNIT / MmConstants.PAGE_SIZE;
        long clearNs = ctx.memory().clearPageNs();
        int ret = ctx.padata().doMultithreaded(PadataMtJob.<Void>builder((start, end, arg) -> {
            if (k.shouldFail("example:clear")) {
                throw new KernelException(Errno.ENOMEM, "example:clear", "fail-nth");
            }
            for (long u = start; u < end; u++) {
                k.work(pagesPerUnit * clearNs, node, UNIT);
                ctx.metrics().add("units.cleared", 1);
            }
            return 0;
        }).size(units).minChunk(1).maxThreads(params.getInt("threads")).lockdepName("example_zeroing").build());
        ctx.metrics().set("ret", ret);
        return PluginResult.of(ctx);
    }
}
