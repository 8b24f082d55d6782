package org.example.myjob;

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
 * A template plugin: touches {@code size} bytes of node 0's memory in 2 MiB units with a padata job
 * of up to {@code threads} threads, {@code page-ns} of CPU per 4 KiB page. Replace the job with yours.
 */
public final class MyJobPlugin implements KernelJobPlugin {
    /** The job's unit: 2 MiB, one PMD's worth of pages. */
    static final long UNIT = MmConstants.PMD_SIZE;

    // Each parameter is a named, documented knob: `kemu plugins` prints the description and default.
    static final PluginParam SIZE = PluginParam.ofSize("size", "1G", "bytes to touch, a multiple of 2M",
            v -> (Long) v > 0 && (Long) v % UNIT == 0 ? null : "must be a positive multiple of 2M");
    static final PluginParam THREADS = PluginParam.ofInt("threads", 4, "padata max_threads",
            ParamValidator.range(1, 4096));
    static final PluginParam PAGE_NS = PluginParam.ofLong("page-ns", 100, "CPU ns per 4 KiB page",
            ParamValidator.atLeast(0));

    @Override
    public String name() {
        return "my-job"; // what `kemu run my-job` calls it: lower-case words joined by hyphens
    }

    @Override
    public String description() {
        return "the plugin template's job: touches memory in 2 MiB units over padata";
    }

    @Override
    public List<PluginParam> parameters() {
        return List.of(SIZE, THREADS, PAGE_NS);
    }

    @Override
    public PluginResult run(PluginContext ctx, PluginParams p) {
        KernelTasks k = ctx.tasks();
        long units = p.getLong(SIZE.name()) / UNIT;
        long pageNs = p.getLong(PAGE_NS.name());
        long pagesPerUnit = UNIT / MmConstants.PAGE_SIZE;
        ctx.padata().doMultithreaded(PadataMtJob.<Void>builder((start, end, arg) -> {
            if (k.shouldFail("my_job:unit")) {
                throw new KernelException(Errno.ENOMEM, "my_job:unit", "fail-nth");
            }
            for (long u = start; u < end; u++) {
                k.work(pagesPerUnit * pageNs, 0, UNIT);
                ctx.metrics().add("units", 1);
            }
            return 0;
        }).size(units).minChunk(1).maxThreads(p.getInt(THREADS.name())).lockdepName("my_job").build());
        return PluginResult.of(ctx);
    }
}
