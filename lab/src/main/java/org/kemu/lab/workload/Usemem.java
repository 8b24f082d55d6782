package org.kemu.lab.workload;

import java.util.ArrayList;
import java.util.List;
import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.VmaKind;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;

/**
 * {@code usemem} (docs/calibration-inputs.md, patches 13 and 14): N threads of one process, each mapping
 * {@code bytesPerThread} of anonymous memory and faulting it in at {@code stride} (PAGE_SIZE stride
 * touches every page), the competing load of the MAX_NICE experiments.
 */
public final class Usemem {
    private Usemem() {
    }

    /** Spawns the threads (not yet run); returns them. */
    public static List<Task> spawn(Kernel k, AddressSpaces mmOps, long tgid, int threads, long bytesPerThread, long stride,
            boolean thp) {
        return spawn(k, mmOps, TaskSpec.user("usemem", tgid), threads, bytesPerThread, stride, thp);
    }

    /** As above, each thread a copy of {@code spec} (its tgid, nice, affinity) named {@code <name>#i}. */
    public static List<Task> spawn(Kernel k, AddressSpaces mmOps, TaskSpec spec, int threads, long bytesPerThread,
            long stride, boolean thp) {
        MmStruct mm = mmOps.mmCreate("usemem", Long.MAX_VALUE, false);
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Task t = k.spawn(new TaskSpec(spec.name() + "#" + i, spec.kthread(), spec.nice(), spec.policy(), spec.affinity(), spec.tgid()), () -> {
                long va = mmOps.mmap(mm, 0, bytesPerThread, thp ? VmaKind.ANON_THP : VmaKind.ANON, true);
                // one touch per stride; with THP a touch faults the whole 2 MiB folio
                long step = Math.max(stride, 4096);
                long unit = thp ? Math.max(step, 2L << 20) : step;
                for (long off = 0; off < bytesPerThread; off += unit) {
                    mmOps.populate(mm, va + off, Math.min(4096, bytesPerThread - off), true);
                }
            }, child -> child.attach(MmStruct.class, mm));
            tasks.add(t);
        }
        return tasks;
    }
}
