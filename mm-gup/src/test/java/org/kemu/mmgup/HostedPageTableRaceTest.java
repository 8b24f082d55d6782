package org.kemu.mmgup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.kemu.mmgup.testing.MmFixture;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;

/**
 * Real threads taking the first small-page faults of a fresh VMA in different 2 MiB regions at once.
 * Each holds only its own region's PTE lock ({@code do_anonymous_page}: {@code pte_offset_map_lock}),
 * as in the kernel, where {@code __pte_alloc} installs each PTE page under the PMD lock and no fault
 * touches another region's table. kemu's per-VMA table of PTE pages used to be created lazily by
 * whichever fault came first with no lock common to both, so a concurrent first fault in another
 * region could replace it and lose the other's page (an NPE in {@code PageTable.compact}, seen in
 * {@code HostedPfnMetaHangIT}). Asserts only what holds for every interleaving: every page faulted
 * is mapped afterwards.
 */
class HostedPageTableRaceTest {
    private static final int TASKS = 4;
    private static final int ROUNDS = 300;

    @Test
    void concurrentFirstFaultsInDifferentRegionsAllStayMapped() {
        MmFixture f = new MmFixture(Kernels.hosted(KernelConfig.of(MachineSpec.simple(TASKS), 1)),
                MemoryConfig.ofBytesPerNode(MmFixture.GIB), GupFlavour.FOLIO_BATCHED, GupCosts.free());
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long len = TASKS * MmConstants.PMD_SIZE;
        f.run(m, () -> {
            for (int r = 0; r < ROUNDS; r++) {
                long va = f.mm.mmap(m, 0, len, VmaKind.ANON, true);
                CyclicBarrier start = new CyclicBarrier(TASKS);
                List<Task> tasks = new ArrayList<>();
                for (int t = 0; t < TASKS; t++) {
                    long addr = va + t * MmConstants.PMD_SIZE;
                    tasks.add(f.kernel.spawn(TaskSpec.user("fault#" + t, 1), () -> {
                        try {
                            start.await();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        f.mm.populate(m, addr, MmConstants.PAGE_SIZE, true);
                    }, child -> child.attach(MmStruct.class, m)));
                }
                for (Task t : tasks) {
                    f.kernel.join(t);
                }
                for (int t = 0; t < TASKS; t++) {
                    assertThat(f.mm.followPfn(m, va + t * MmConstants.PMD_SIZE)).as("round %d region %d", r, t)
                            .isNotNegative();
                }
                f.mm.munmap(m, va, len);
            }
        });
    }
}
