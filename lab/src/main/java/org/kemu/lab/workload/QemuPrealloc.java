package org.kemu.lab.workload;

import java.util.ArrayList;
import java.util.List;
import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.MmStruct;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;

/**
 * qemu's {@code -mem-prealloc} ({@code touch_all_pages}): N user threads of qemu, each write-faulting
 * its contiguous share of guest RAM, 2 MiB at a time, under the mmap read lock. With THP each 2 MiB
 * fault first pays the allocation stall of concurrent THP faults ({@code thpFolioNs}), serialised on
 * one lock as direct compaction is on {@code zone->lock}.
 */
final class QemuPrealloc {
    private static final long PMD = 2L << 20;

    private QemuPrealloc() {
    }

    static void touchAllPages(Kernel k, AddressSpaces mmOps, MmStruct mm, long addr, long len, int threads, long thpFolioNs) {
        Mutex compaction = k.mutex("zone->lock:thp_compaction");
        long folios = len / PMD;
        long per = folios / threads;
        long extra = folios % threads;
        long va = addr;
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            long n = per + (i < extra ? 1 : 0);
            long from = va;
            long to = va + n * PMD;
            va = to;
            Task t = k.spawn(TaskSpec.user("touch_pages#" + i, k.current().tgid()), () -> {
                for (long cur = from; cur < to; cur += PMD) {
                    if (thpFolioNs > 0) {
                        compaction.lock();
                        try {
                            k.work(thpFolioNs);
                        } finally {
                            compaction.unlock();
                        }
                    }
                    mmOps.populate(mm, cur, PMD, true);
                }
            }, child -> child.attach(MmStruct.class, mm));
            tasks.add(t);
        }
        for (Task t : tasks) {
            k.join(t);
        }
    }
}
