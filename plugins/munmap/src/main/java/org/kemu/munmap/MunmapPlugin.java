package org.kemu.munmap;

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
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * munmap() of a large populated anonymous mapping with the teardown over padata. Set-up (not
 * measured): a process maps {@code size} bytes and faults every page in (MADV_POPULATE_WRITE). The
 * measured job is {@code __vm_munmap} of {@code [offset, offset + length)} of it.
 */
public final class MunmapPlugin implements KernelJobPlugin {

    @Override
    public String name() {
        return "munmap";
    }

    @Override
    public String description() {
        return "multithreaded munmap of a populated anonymous range: zap_page_range per padata chunk under the "
                + "main thread's mmap lock, TLB flushes, free_pgtables";
    }

    @Override
    public List<PluginParam> parameters() {
        return List.of(
                PluginParam.ofSize("size", "1G", "bytes mapped and populated before the job", ParamValidator.atLeast(1)),
                PluginParam.ofChoice("backing", "thp", "anonymous memory: thp (MADV_HUGEPAGE) or 4k pages", "thp", "4k"),
                PluginParam.ofSize("offset", "0", "start of the unmapped range within the mapping, bytes",
                        ParamValidator.atLeast(0)),
                PluginParam.ofSize("length", "0", "bytes to unmap; 0 = to the end of the mapping", ParamValidator.atLeast(0)),
                PluginParam.ofInt("threads", 16, "padata max_threads", ParamValidator.range(1, 8192)),
                PluginParam.ofSize("min-chunk", "128M", "padata min_chunk, bytes", ParamValidator.atLeast(MmConstants.PAGE_SIZE)),
                PluginParam.ofBoolean("downgrade", true,
                        "mmap_write_downgrade before the teardown (__vm_munmap's downgrade, true for munmap(2))"),
                PluginParam.ofLong("tlb-flush-ns", 2000,
                        "CPU ns of one tlb_flush_mmu shootdown (assumed order of magnitude, not calibrated)",
                        ParamValidator.atLeast(0)));
    }

    @Override
    public PluginResult run(PluginContext ctx, PluginParams p) {
        UserMemory um = ctx.userMemory();
        MmStruct mm = um.addressSpaces().mmCreate("munmap-app", Long.MAX_VALUE, false);
        ctx.tasks().current().attach(MmStruct.class, mm);
        long size = p.getLong("size");
        VmaKind kind = p.getString("backing").equals("thp") ? VmaKind.ANON_THP : VmaKind.ANON;
        long addr = um.addressSpaces().mmap(mm, 0, size, kind, true);
        try {
            um.addressSpaces().populate(mm, addr, size, true);
            long offset = p.getLong("offset");
            KernelException.require(offset < size, Errno.EINVAL, "munmap:offset", "offset past the mapping");
            long length = p.getLong("length") == 0 ? size - offset : p.getLong("length");
            long rssBefore = rss(um, mm, addr, size);
            long freeBefore = um.totalFreePages();
            ctx.restartClock();
            MultithreadedMunmap.Result r = new MultithreadedMunmap(um, ctx.tasks()).vmMunmap(mm, addr + offset, length,
                    ctx.padata(), new MultithreadedMunmap.Request(p.getInt("threads"),
                            p.getLong("min-chunk") >> MmConstants.PAGE_SHIFT, p.getBoolean("downgrade"),
                            p.getLong("tlb-flush-ns")));
            long now = ctx.now();
            ctx.metrics().set("pages.unmapped", r.pages());
            ctx.metrics().set("rss.before", rssBefore);
            ctx.metrics().set("rss.after", rss(um, mm, addr, size));
            ctx.metrics().set("pages.freed", um.totalFreePages() - freeBefore);
            ctx.metrics().set("tlb.flushes", r.tlbFlushes());
            ctx.metrics().set("threads.used", r.tasks());
            ctx.metrics().set("mmap_lock.downgraded", r.downgraded() ? 1 : 0);
            ctx.metrics().set("vmas.after", mm.vmas().size());
            return PluginResult.of(now - ctx.startTimeNs(), ctx.metrics().snapshot());
        } finally {
            um.addressSpaces().exitMmap(mm);
        }
    }

    /** MM_ANONPAGES of the mapping: its 4 KiB pages with a present PTE (or within a present PMD). */
    static long rss(UserMemory um, MmStruct mm, long addr, long size) {
        long n = 0;
        for (long a = addr; a < addr + size; a += MmConstants.PAGE_SIZE) {
            if (um.addressSpaces().followPfn(mm, a) >= 0) {
                n++;
            }
        }
        return n;
    }
}
