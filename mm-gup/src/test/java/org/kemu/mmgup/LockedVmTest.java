package org.kemu.mmgup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/** mm/util.c __account_locked_vm (vfio-gup.md section 1.9). */
class LockedVmTest {

    @Test
    void overRlimitIsEnomemWithNothingCharged() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", 64 * MmFixture.MIB, false);
        f.run(m, () -> {
            f.acct.accountLockedVm(m, 16384, true);
            assertThatThrownBy(() -> f.acct.accountLockedVm(m, 1, true))
                    .satisfies(e -> assertThat(((KernelException) e).errno()).isEqualTo(Errno.ENOMEM));
            assertThat(m.lockedVm()).isEqualTo(16384);
            f.acct.accountLockedVm(m, 16384, false);
            assertThat(m.lockedVm()).isZero();
            MmInvariants.assertNone(MmInvariants.checkLockedVm(f.acct, m, 0));
        });
    }

    @Test
    void capIpcLockSkipsTheLimitButIsCounted() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", 0, true);
        f.run(m, () -> {
            f.acct.accountLockedVm(m, 1000, true);
            assertThat(m.lockedVm()).isEqualTo(1000);
            MmInvariants.assertNone(MmInvariants.checkLockedVm(f.acct, m, 1000));
        });
    }

    @Test
    void lockedVariantNeedsTheWriteLockAndClampsOverUncharge() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            assertThatThrownBy(() -> f.acct.accountLockedVmLocked(m, 1, true, Long.MAX_VALUE, false))
                    .isInstanceOf(IllegalStateException.class);
            m.mmapLock().downWrite();
            try {
                f.acct.accountLockedVmLocked(m, 10, true, 10 * 4096, false);
                assertThatThrownBy(() -> f.acct.accountLockedVmLocked(m, 1, true, 10 * 4096, false))
                        .isInstanceOf(KernelException.class);
                f.acct.accountLockedVmLocked(m, 1, true, 10 * 4096, true);
                f.acct.accountLockedVmLocked(m, 20, false, 0, false);
            } finally {
                m.mmapLock().upWrite();
            }
            assertThat(m.lockedVm()).isZero();
            assertThat(f.acct.warnings()).isEqualTo(1);
            f.acct.addPinnedVm(m, 7);
            assertThat(m.pinnedVm()).isEqualTo(7);
        });
    }
}
