package org.kemu.mmgup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.kemu.mmgup.testing.MmFixture;

/** The invariant checker catches a deliberately leaked pin (issue 4, Tests). */
class InvariantsTest {

    @Test
    void leakedPinIsReported() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long[] pfns = new long[512];
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, 2 * MmFixture.MIB, VmaKind.ANON_THP, true);
            long va2 = f.mm.mmap(m, 0, MmFixture.MIB, VmaKind.ANON, true);
            f.pinRemote(m, va, 512, Foll.WRITE, pfns);
            long[] small = new long[256];
            f.pinRemote(m, va2, 256, Foll.WRITE, small);
            f.gup.unpinUserPages(pfns, 511);
            f.gup.unpinUserPages(small, 255);
            f.mm.exitMmap(m);
        });
        List<String> v = MmInvariants.checkNoPins(f.pm);
        assertThat(v).anySatisfy(s -> assertThat(s).contains("leaked pins: 2 pinned pages"));
        assertThat(v).anySatisfy(s -> assertThat(s).contains("nr_foll_pin_acquired 768"));
        // Pins are still balanced: what is held is what vmstat says is outstanding.
        assertThat(MmInvariants.checkPinsBalanced(f.pm)).isEmpty();
        assertThatThrownBy(() -> MmInvariants.assertNone(v)).isInstanceOf(IllegalStateException.class);
        TreeMap<Long, Integer> held = new TreeMap<>();
        held.put(pfns[0], 1);
        assertThat(MmInvariants.checkPinsHeld(f.pm, held)).isNotEmpty();
    }

    @Test
    void lockedVmMismatchIsReported() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> f.acct.accountLockedVm(m, 10, true));
        assertThat(MmInvariants.checkLockedVm(f.acct, m, 10)).isEmpty();
        assertThat(MmInvariants.checkLockedVm(f.acct, m, 9)).hasSize(1);
    }
}
