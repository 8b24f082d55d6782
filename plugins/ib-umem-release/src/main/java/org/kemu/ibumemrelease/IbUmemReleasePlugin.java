package org.kemu.ibumemrelease;

import java.util.List;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.VmaKind;
import org.kemu.pluginapi.KernelJobPlugin;
import org.kemu.pluginapi.ParamValidator;
import org.kemu.pluginapi.PluginContext;
import org.kemu.pluginapi.PluginParam;
import org.kemu.pluginapi.PluginParams;
import org.kemu.pluginapi.PluginResult;
import org.kemu.pluginapi.UserMemory;

/**
 * Releasing a large pinned RDMA memory region ({@code ib_umem_release}), its unpins over padata. Set-up
 * (not measured): a process maps an anonymous buffer and registers it ({@code ib_umem_get}: pinned_vm
 * charge, FOLL_PIN | FOLL_LONGTERM pins, scatterlist). The measured job is the release. Afterwards
 * the buffer is unmapped and the process exits, so a pin the release missed keeps its page allocated
 * and shows in the test kit's pin balance.
 */
public final class IbUmemReleasePlugin implements KernelJobPlugin {

    @Override
    public String name() {
        return "ib-umem-release";
    }

    @Override
    public String description() {
        return "__ib_umem_release of a pinned RDMA MR: unpin_user_page_range_dirty_lock per sg segment in padata "
                + "chunks, then pinned_vm";
    }

    @Override
    public List<PluginParam> parameters() {
        return List.of(
                PluginParam.ofSize("size", "1G", "bytes of the memory region", ParamValidator.atLeast(1)),
                PluginParam.ofChoice("backing", "thp", "anonymous buffer: thp (MADV_HUGEPAGE) or 4k pages", "thp", "4k"),
                PluginParam.ofInt("threads", 16, "padata max_threads", ParamValidator.range(1, 8192)),
                PluginParam.ofSize("min-chunk", "128M", "padata min_chunk, bytes (rounded to whole 2 MiB)",
                        ParamValidator.atLeast(MmConstants.PMD_SIZE)),
                PluginParam.ofBoolean("writable", true, "IB_ACCESS_LOCAL_WRITE: pin FOLL_WRITE, dirty on release"),
                PluginParam.ofSize("max-segment", "2G",
                        "ib_dma_max_seg_size: longest scatterlist segment (mlx5 sets 2 GiB)",
                        ParamValidator.atLeast(MmConstants.PAGE_SIZE)),
                PluginParam.ofSize("memlock", "0", "RLIMIT_MEMLOCK of the process, bytes; 0 = unlimited",
                        ParamValidator.atLeast(0)),
                PluginParam.ofBoolean("cap-ipc-lock", false, "the process has CAP_IPC_LOCK"));
    }

    @Override
    public PluginResult run(PluginContext ctx, PluginParams p) {
        UserMemory um = ctx.userMemory();
        long memlock = p.getLong("memlock") == 0 ? Long.MAX_VALUE : p.getLong("memlock");
        MmStruct mm = um.addressSpaces().mmCreate("rdma-app", memlock, p.getBoolean("cap-ipc-lock"));
        ctx.tasks().current().attach(MmStruct.class, mm);
        long size = p.getLong("size");
        VmaKind kind = p.getString("backing").equals("thp") ? VmaKind.ANON_THP : VmaKind.ANON;
        long addr = um.addressSpaces().mmap(mm, 0, size, kind, true);
        try {
            IbUmem umem = IbUmem.get(um, ctx.tasks(), addr, size, p.getBoolean("writable"), p.getLong("max-segment"));
            long pinnedBefore = mm.pinnedVm();
            long releasedBefore = um.vmstat().nrFollPinReleased();
            ctx.restartClock();
            int tasks = umem.release(ctx.padata(), p.getInt("threads"), p.getLong("min-chunk") >> MmConstants.PAGE_SHIFT);
            long now = ctx.now();
            ctx.metrics().set("pages", umem.numPages());
            ctx.metrics().set("sg.nents", umem.sgNents());
            ctx.metrics().set("threads.used", tasks);
            ctx.metrics().set("pinned_vm.before", pinnedBefore);
            ctx.metrics().set("pinned_vm.after", mm.pinnedVm());
            ctx.metrics().set("foll_pin.released", um.vmstat().nrFollPinReleased() - releasedBefore);
            return PluginResult.of(now - ctx.startTimeNs(), ctx.metrics().snapshot());
        } finally {
            // the process goes away: what the release left pinned stays allocated (a visible leak)
            um.addressSpaces().exitMmap(mm);
        }
    }
}
