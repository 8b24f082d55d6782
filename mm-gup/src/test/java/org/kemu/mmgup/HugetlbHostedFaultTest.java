package org.kemu.mmgup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kemu.mmgup.testing.MmFixture;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;

/**
 * Real threads faulting the same huge pages at once (issue 17 defect 4, hosted backend): whatever the
 * interleaving, {@code hugetlb_fault_mutex_table} (mm/hugetlb.c {@code hugetlb_fault}) lets exactly one
 * task allocate each page, so every fault succeeds on a pool holding only the reserved pages, and the
 * reservations and pool return exactly to where they were. Asserts only what holds for every interleaving.
 */
class HugetlbHostedFaultTest {
    private static final int TASKS = 6;
    private static final int PAGES = 8;
    private static final int ROUNDS = 20;

    @Test
    void everyInterleavingFaultsEachPageOnce() {
        MmFixture f = new MmFixture(Kernels.hosted(KernelConfig.of(MachineSpec.simple(4), 1)),
                MemoryConfig.ofBytesPerNode(MmFixture.GIB).withBootHugepages(PAGES, 0), GupFlavour.FOLIO_BATCHED,
                GupCosts.free());
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long len = PAGES * MmConstants.PMD_SIZE;
        f.run(m, () -> {
            for (int r = 0; r < ROUNDS; r++) {
                long va = f.mm.mmap(m, 0, len, VmaKind.HUGETLB_2M, true);
                List<Task> tasks = new ArrayList<>();
                for (int t = 0; t < TASKS; t++) {
                    int first = t % PAGES;
                    tasks.add(f.kernel.spawn(TaskSpec.user("fault#" + t, 1), () -> {
                        // every task faults every page, each starting at a different one
                        for (int i = 0; i < PAGES; i++) {
                            f.mm.populate(m, va + ((first + i) % PAGES) * MmConstants.PMD_SIZE, MmConstants.PMD_SIZE, true);
                        }
                    }, child -> child.attach(MmStruct.class, m)));
                }
                for (Task t : tasks) {
                    f.kernel.join(t);
                }
                for (int i = 0; i < PAGES; i++) {
                    assertThat(f.mm.followPfn(m, va + i * MmConstants.PMD_SIZE)).isNotNegative();
                }
                assertThat(f.pm.freeHugepages(0, MmConstants.PMD_ORDER)).isZero();
                assertThat(f.pm.resvHugepages(MmConstants.PMD_ORDER)).isZero();
                assertThat(MmInvariants.checkHugetlbReservations(f.pm)).isEmpty();
                f.mm.munmap(m, va, len);
                assertThat(f.pm.freeHugepages(0, MmConstants.PMD_ORDER)).isEqualTo(PAGES);
                assertThat(MmInvariants.checkHugetlbReservations(f.pm)).isEmpty();
            }
        });
    }
}
