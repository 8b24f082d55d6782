package org.kemu.munmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kemu.lab.pluginhost.PluginRegistry;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.VmaKind;
import org.kemu.pluginapi.PluginResult;
import org.kemu.plugintestkit.KemuExtension;
import org.kemu.plugintestkit.KemuMachine;
import org.kemu.plugintestkit.PluginTestMachine;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/** __vm_munmap (mm/mmap.c, v5.14) with unmap_region's zap over padata. */
@ExtendWith(KemuExtension.class)
@KemuMachine(nodes = 2, coresPerNode = 4, threadsPerCore = 2, memoryPerNodeMiB = 1024)
class MunmapPluginTest {

    @Test
    void wholeMappingIsFreedAndRssDropsToZero(PluginTestMachine m) {
        // unmap_region -> unmap_vmas -> zap_page_range: every page's mapping reference goes, the pages are freed
        PluginResult r = m.run(new MunmapPlugin(), Map.of("size", "64M", "threads", "4", "min-chunk", "4M"));
        assertThat(r.metrics()).containsEntry("pages.unmapped", 16384L).containsEntry("rss.before", 16384L)
                .containsEntry("rss.after", 0L).containsEntry("pages.freed", 16384L).containsEntry("vmas.after", 0L)
                .containsEntry("mmap_lock.downgraded", 1L);
        // padata's chunk: max(16384 pages / (4 threads * 4), min_chunk 1024) = 4 MiB, so 16 chunks of two PMD-mapped
        // THPs; each chunk's gather never fills and tlb_finish_mmu flushes once
        assertThat(r.metrics()).containsEntry("tlb.flushes", 16L);
        assertThat(r.metrics().get("threads.used").longValue()).isBetween(2L, 4L);
        m.assertInvariants();
    }

    @Test
    void fullGathersForceFlushes(PluginTestMachine m) {
        // 4 KiB pages: 16384 PTE entries in one chunk; the gather holds 19 batches of 510 (mm/mmu_gather.c), so one
        // forced tlb_flush_mmu before tlb_finish_mmu's
        PluginResult r = m.run(new MunmapPlugin(), Map.of("size", "64M", "backing", "4k", "threads", "1"));
        assertThat(MultithreadedMunmap.GATHER_CAPACITY).isEqualTo(19 * 510);
        assertThat(r.metrics()).containsEntry("tlb.flushes", 2L).containsEntry("pages.freed", 16384L);
    }

    @Test
    void partialUnmapSplitsTheVmaAndKeepsTheRest(PluginTestMachine m) {
        // __do_munmap: __split_vma at start and end, only the middle is detached and zapped
        PluginResult r = m.run(new MunmapPlugin(), Map.of("size", "64M", "backing", "4k", "offset", "8M",
                "length", "16M", "threads", "4", "min-chunk", "2M"));
        assertThat(r.metrics()).containsEntry("pages.unmapped", 4096L).containsEntry("rss.before", 16384L)
                .containsEntry("rss.after", 12288L).containsEntry("pages.freed", 4096L).containsEntry("vmas.after", 2L);
        m.assertInvariants();
    }

    @Test
    void withoutDowngradeTheSameTeardownRunsUnderTheWriteLock(PluginTestMachine m) {
        Map<String, String> p = Map.of("size", "64M", "threads", "4", "min-chunk", "4M", "downgrade", "false");
        PluginResult r = m.run(new MunmapPlugin(), p);
        assertThat(r.metrics()).containsEntry("mmap_lock.downgraded", 0L).containsEntry("pages.freed", 16384L);
    }

    @Test
    void badRangeIsEinvalAndLeavesTheMappingAndTheLock(PluginTestMachine m) {
        m.inTaskDo(ctx -> {
            var um = ctx.userMemory();
            MmStruct mm = um.addressSpaces().mmCreate("t", Long.MAX_VALUE, false);
            long addr = um.addressSpaces().mmap(mm, 0, 8L << 20, VmaKind.ANON, true);
            um.addressSpaces().populate(mm, addr, 8L << 20, true);
            MultithreadedMunmap mt = new MultithreadedMunmap(um, ctx.tasks());
            var req = new MultithreadedMunmap.Request(4, 512, true, 0);
            assertThatThrownBy(() -> mt.vmMunmap(mm, addr + 1, 4096, ctx.padata(), req))
                    .isInstanceOfSatisfying(KernelException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                        assertThat(e.getMessage()).contains("munmap:addr_align");
                    });
            assertThat(MunmapPlugin.rss(um, mm, addr, 8L << 20)).isEqualTo(2048);
            assertThat(mm.mmapLock().tryDownWrite()).as("lock released").isTrue();
            mm.mmapLock().upWrite();
            um.addressSpaces().exitMmap(mm);
        });
        m.assertInvariants();
    }

    @Test
    void failNthSweepLeavesNoPageBehind(PluginTestMachine m) {
        long freeAtBoot = m.physicalMemory().totalFreePages();
        List<String> sites = new ArrayList<>();
        int runs = m.sweepFailNth(new MunmapPlugin(), Map.of("size", "16M", "offset", "2M", "length", "8M",
                "threads", "4", "min-chunk", "2M"), 300, (mm, o) -> {
                    sites.addAll(o.sites());
                    if (o.failed()) {
                        assertThat(o.failure().errno().orElseThrow()).as("n=%d", o.n()).isIn(Errno.ENOMEM, Errno.EINTR);
                    } else {
                        assertThat(o.result().metrics()).as("n=%d", o.n()).containsEntry("pages.freed", 2048L)
                                .containsEntry("rss.after", 2048L);
                    }
                    // the process exits after every run: each page is back whatever failed
                    assertThat(mm.physicalMemory().totalFreePages()).as("n=%d", o.n()).isEqualTo(freeAtBoot);
                    mm.assertInvariants();
                });
        assertThat(runs).isGreaterThan(5);
        assertThat(sites).contains("__vm_munmap:mmap_write_lock_killable", "__split_vma:vm_area_dup",
                "padata:kthread_create");
    }

    @Test
    void threadSweepIsMonotoneAndDeterministic(PluginTestMachine m) {
        long prev = 0;
        long first = 0;
        for (int t : new int[] {1, 2, 4, 8, 16}) {
            Map<String, String> p = Map.of("size", "256M", "backing", "4k", "threads", String.valueOf(t),
                    "min-chunk", "2M");
            PluginResult r = m.fresh().run(new MunmapPlugin(), p);
            assertThat(m.fresh().run(new MunmapPlugin(), p)).as("%d threads, same seed", t).isEqualTo(r);
            if (t == 1) {
                first = r.virtualTimeNs();
            } else {
                assertThat(r.virtualTimeNs()).as("%d threads", t).isLessThanOrEqualTo(prev + prev / 20);
            }
            prev = r.virtualTimeNs();
        }
        assertThat(prev * 3).as("16 threads against 1").isLessThan(first);
    }

    @Test
    void discoveredThroughServiceLoader() {
        assertThat(PluginRegistry.load(getClass().getClassLoader()).contains("munmap")).isTrue();
    }
}
