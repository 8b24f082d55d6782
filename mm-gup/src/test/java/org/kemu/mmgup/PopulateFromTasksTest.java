package org.kemu.mmgup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kemu.mmgup.testing.MmFixture;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;

/**
 * Several user tasks of one process populating disjoint shares of a mapping at once
 * ({@code madvise(MADV_POPULATE_WRITE)} from each, as qemu's {@code touch_all_pages} threads do):
 * every page is faulted exactly once, and the faults run in parallel until clearing saturates the
 * node's memory bandwidth. They contend on the mmap lock (read), the split page-table locks and the
 * zone lock.
 */
class PopulateFromTasksTest {

    private static long populate(int threads, VmaKind kind) {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long len = 256 * MmFixture.MIB;
        long[] t = new long[1];
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, len, kind, true);
            long t0 = f.kernel.now();
            long share = len / threads;
            List<Task> tasks = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                long from = va + i * share;
                tasks.add(f.kernel.spawn(TaskSpec.user("populate#" + i, f.kernel.current().tgid()),
                        () -> f.mm.populate(m, from, share, true), child -> child.attach(MmStruct.class, m)));
            }
            for (Task task : tasks) {
                f.kernel.join(task);
            }
            t[0] = f.kernel.now() - t0;
            for (long a = va; a < va + len; a += 64 * 4096) {
                assertThat(f.mm.followPfn(m, a)).isNotNegative();
            }
        });
        assertThat(f.pm.vmstat().pgfault()).isEqualTo(len >>> 12);
        assertThat(f.kernel.tasks()).extracting(Task::name).contains("populate#" + (threads - 1));
        return t[0];
    }

    @Test
    void moreTasksFinishSoonerUntilBandwidthBinds() {
        long one = populate(1, VmaKind.ANON);
        long four = populate(4, VmaKind.ANON);
        assertThat(four).isLessThan(one);
        // Clearing 256 MiB at the node's 10 GB/s takes at least 26.8 ms whatever the task count.
        assertThat(four).isGreaterThanOrEqualTo((256L << 20) * 1_000_000_000L / 10_000_000_000L);
        assertThat(populate(4, VmaKind.ANON_THP)).isLessThan(four);
    }
}
