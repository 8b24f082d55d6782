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
 * The vmstat counters GUP and faults bump are exact under real concurrency: the kernel keeps them
 * per CPU ({@code count_vm_events}, {@code node_stat_mod_folio} for NR_FOLL_PIN_ACQUIRED/RELEASED in
 * mm/gup.c {@code try_grab_folio} / {@code gup_put_folio}), so no update is lost and
 * {@link MmInvariants#checkPinsBalanced} reports no false leak (issue 17, defect 3).
 */
class HostedCountersTest {
    private static final int TASKS = 4;
    private static final int ROUNDS = 8_000;

    @Test
    void pinAndFaultCountersLoseNoUpdateOnRealThreads() {
        MmFixture f = new MmFixture(Kernels.hosted(KernelConfig.of(MachineSpec.simple(TASKS), 1)),
                MemoryConfig.ofBytesPerNode(MmFixture.GIB), GupFlavour.FOLIO_BATCHED, GupCosts.free());
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long share = 2 * MmFixture.MIB;
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, TASKS * share, VmaKind.ANON, true);
            List<Task> tasks = new ArrayList<>();
            for (int t = 0; t < TASKS; t++) {
                long base = va + t * share;
                tasks.add(f.kernel.spawn(TaskSpec.user("pinner#" + t, 1), () -> {
                    f.mm.populate(m, base, share, true);
                    long[] pfn = new long[1];
                    for (int i = 0; i < ROUNDS; i++) {
                        f.gup.pinUserPagesFast(base + (i % 512) * 4096L, 1, Foll.WRITE, pfn);
                        f.gup.unpinUserPages(pfn, 1);
                    }
                }, child -> child.attach(MmStruct.class, m)));
            }
            for (Task t : tasks) {
                f.kernel.join(t);
            }
        });
        Vmstat s = f.pm.vmstat();
        assertThat(s.nrFollPinAcquired()).isEqualTo((long) TASKS * ROUNDS);
        assertThat(s.nrFollPinReleased()).isEqualTo((long) TASKS * ROUNDS);
        assertThat(s.pgfault()).isEqualTo(TASKS * share >>> 12);
        MmInvariants.assertNone(MmInvariants.checkNoPins(f.pm));
    }
}
