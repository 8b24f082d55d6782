package org.kemu.ibumemrelease;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kemu.lab.pluginhost.PluginException;
import org.kemu.lab.pluginhost.PluginRegistry;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.mmgup.Vmstat;
import org.kemu.mmgup.VmaKind;
import org.kemu.pluginapi.PluginResult;
import org.kemu.plugintestkit.KemuExtension;
import org.kemu.plugintestkit.KemuMachine;
import org.kemu.plugintestkit.PluginTestMachine;
import org.kemu.schedfair.Errno;

/** ib_umem_get / ib_umem_release (drivers/infiniband/core/umem.c, v5.14) with the release over padata. */
@ExtendWith(KemuExtension.class)
@KemuMachine(nodes = 2, coresPerNode = 4, threadsPerCore = 2, memoryPerNodeMiB = 1024)
class IbUmemReleasePluginTest {

    @Test
    void releaseUnpinsEveryPageAndGivesBackPinnedVm(PluginTestMachine m) {
        // ib_umem_release: __ib_umem_release unpins each segment, then atomic64_sub(ib_umem_num_pages) from pinned_vm
        PluginResult r = m.run(new IbUmemReleasePlugin(), Map.of("size", "64M", "threads", "4", "min-chunk", "4M"));
        assertThat(r.metrics()).containsEntry("pages", 16384L).containsEntry("pinned_vm.before", 16384L)
                .containsEntry("pinned_vm.after", 0L).containsEntry("foll_pin.released", 16384L);
        assertThat(r.metrics().get("threads.used").longValue()).isBetween(2L, 4L);
        Vmstat v = m.physicalMemory().vmstat();
        assertThat(v.nrFollPinReleased()).isEqualTo(v.nrFollPinAcquired());
        m.assertInvariants();
    }

    @Test
    void everyPinnedPageIsUnpinnedExactlyOnce(PluginTestMachine m) {
        PhysicalMemory pm = m.physicalMemory();
        List<Long> pfns = new ArrayList<>();
        List<Integer> pinsAfter = new ArrayList<>();
        m.inTaskDo(ctx -> {
            var um = ctx.userMemory();
            MmStruct mm = um.addressSpaces().mmCreate("t", Long.MAX_VALUE, false);
            ctx.tasks().current().attach(MmStruct.class, mm);
            long addr = um.addressSpaces().mmap(mm, 0, 16L << 20, VmaKind.ANON, true);
            // 4 MiB segments: __sg_alloc_table_from_pages never merges past max_segment
            IbUmem umem = IbUmem.get(um, ctx.tasks(), addr, 16L << 20, true, 4L << 20);
            long total = 0;
            for (int i = 0; i < umem.sgNents(); i++) {
                assertThat(umem.segmentPages(i)).isLessThanOrEqualTo(1024);
                total += umem.segmentPages(i);
            }
            assertThat(total).isEqualTo(4096);
            assertThat(umem.sgNents()).isGreaterThanOrEqualTo(4);
            assertThat(mm.pinnedVm()).isEqualTo(4096);
            for (long a = addr; a < addr + (16L << 20); a += 4096) {
                long pfn = um.addressSpaces().followPfn(mm, a);
                pfns.add(pfn);
                assertThat(pm.pincount(pfn)).as("pfn %d", pfn).isEqualTo(1);
            }
            umem.release(ctx.padata(), 8, 512);
            for (long pfn : pfns) {
                pinsAfter.add(pm.pincount(pfn));
            }
            assertThat(mm.pinnedVm()).isZero();
            um.addressSpaces().exitMmap(mm);
        });
        assertThat(pinsAfter).hasSize(4096).containsOnly(0);
        m.assertInvariants();
    }

    @Test
    void overRlimitMemlockIsEnomemWithNothingPinned(PluginTestMachine m) {
        // ib_umem_get: new_pinned > lock_limit && !capable(CAP_IPC_LOCK) -> -ENOMEM, pinned_vm given back
        PluginException e = m.runExpectingFailure(new IbUmemReleasePlugin(), Map.of("size", "64M", "memlock", "32M"));
        assertThat(e.errno()).contains(Errno.ENOMEM);
        assertThat(e.getMessage()).contains("ib_umem_get:pinned_vm");
        assertThat(m.physicalMemory().vmstat().nrFollPinAcquired()).isZero();
        m.assertInvariants();
        // CAP_IPC_LOCK bypasses the limit
        PluginResult r = m.fresh().run(new IbUmemReleasePlugin(),
                Map.of("size", "64M", "memlock", "32M", "cap-ipc-lock", "true"));
        assertThat(r.metrics()).containsEntry("pinned_vm.after", 0L);
    }

    @Test
    void failNthSweepLeavesNoPin(PluginTestMachine m) {
        // every injected failure in ib_umem_get (page allocation in the pin's faults, the scatterlist) releases what
        // was pinned; padata's kthread_create failures only shrink the job's helper count
        List<String> sites = new ArrayList<>();
        int runs = m.sweepFailNth(new IbUmemReleasePlugin(),
                Map.of("size", "16M", "threads", "4", "min-chunk", "2M"), 300, (mm, o) -> {
                    sites.addAll(o.sites());
                    if (o.failed()) {
                        assertThat(o.failure().errno()).as("n=%d", o.n()).contains(Errno.ENOMEM);
                    } else {
                        assertThat(o.result().metrics()).as("n=%d", o.n()).containsEntry("pinned_vm.after", 0L)
                                .containsEntry("foll_pin.released", 4096L);
                    }
                    Vmstat v = mm.physicalMemory().vmstat();
                    assertThat(v.nrFollPinReleased()).as("n=%d", o.n()).isEqualTo(v.nrFollPinAcquired());
                    mm.assertInvariants();
                });
        assertThat(runs).isGreaterThan(5);
        assertThat(sites).contains("ib_umem_get:__sg_alloc_table_from_pages", "padata:kthread_create");
    }

    @Test
    void threadSweepIsMonotoneAndDeterministic(PluginTestMachine m) {
        long prev = Long.MAX_VALUE;
        long first = 0;
        for (int t : new int[] {1, 2, 4, 8, 16}) {
            Map<String, String> p = Map.of("size", "256M", "backing", "4k", "threads", String.valueOf(t),
                    "min-chunk", "2M");
            PluginResult r = m.fresh().run(new IbUmemReleasePlugin(), p);
            PluginResult again = m.fresh().run(new IbUmemReleasePlugin(), p);
            assertThat(again).as("%d threads, same seed", t).isEqualTo(r);
            if (t > 1) {
                assertThat(r.virtualTimeNs()).as("%d threads", t).isLessThanOrEqualTo(prev + prev / 20);
            }
            prev = r.virtualTimeNs();
            if (t == 1) {
                first = prev;
            }
        }
        assertThat(prev * 3).as("16 threads against 1").isLessThan(first);
    }

    @Test
    void discoveredThroughServiceLoader() {
        assertThat(PluginRegistry.load(getClass().getClassLoader()).contains("ib-umem-release")).isTrue();
    }
}
