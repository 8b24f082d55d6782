package org.kemu.mmgup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kemu.mmgup.testing.MmFixture;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;

/**
 * Two tasks faulting the same THP slot at once (v5.14 {@code do_huge_pmd_anonymous_page()}): both
 * allocate a huge page, the first to take the page-table lock installs it, and the loser frees its
 * page and returns, its access now mapped by the winner's PMD ({@code pmd_none} rechecked under
 * the lock). Before, the loser fell through to the small-page path and installed PTEs beside the
 * winner's huge leaf, so the slot was mapped twice and munmap freed pages still mapped (found by
 * the adversarial random sequence, user-threads-unlocked / THP).
 */
class ThpFaultRaceTest {

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4})
    void tasksFaultingOneHugePageAtOnceMapTheWinnersPageOnce(int tasks) {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long boot = f.pm.totalFreePages();
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, 4 * MmFixture.MIB, VmaKind.ANON_THP, true);
            List<Task> ts = new ArrayList<>();
            for (int i = 0; i < tasks; i++) {
                long at = va + i * 64 * 4096L; // different 4 KiB pages of the same 2 MiB slot
                ts.add(f.kernel.spawn(TaskSpec.user("fault#" + i, f.kernel.current().tgid()),
                        () -> f.mm.populate(m, at, 4096, true), child -> child.attach(MmStruct.class, m)));
            }
            for (Task t : ts) {
                f.kernel.join(t);
            }
            long head = f.mm.followPfn(m, va);
            assertThat(f.pm.folioOrder(head)).isEqualTo(MmConstants.PMD_ORDER);
            for (int i = 0; i < tasks; i++) {
                assertThat(f.mm.followPfn(m, va + i * 64 * 4096L)).isEqualTo(head + i * 64L);
            }
            // one PMD mapping, no pin: one reference; the losers' pages went back
            assertThat(f.pm.refcount(head)).isEqualTo(1);
            assertThat(f.pm.totalFreePages()).isEqualTo(boot - MmConstants.PMD_PAGES);
            f.mm.munmap(m, va, 4 * MmFixture.MIB);
        });
        assertThat(f.pm.totalFreePages()).isEqualTo(boot);
    }
}
