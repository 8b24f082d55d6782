package org.kemu.mmgup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kemu.mmgup.testing.ForwardingLockedVm;
import org.kemu.mmgup.testing.MmFixture;
import org.kemu.mmgup.mm.DefaultLockedVm;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.TaskSpec;

/** mm/util.c __account_locked_vm (docs/kernel/vfio-gup.md section 1.9). */
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

    @Test
    void atomicVariantTakesNoLockAndBacksOutAnAddOverTheLimit() {
        // ktask v4 07/13: locked_vm an atomic_long_t; an add that passes RLIMIT_MEMLOCK is undone with
        // atomic_long_sub() and ENOMEM returned, with no mmap lock taken at all
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", 64 * MmFixture.MIB, false);
        f.run(m, () -> {
            long before = m.mmapLock().stats().acquisitions();
            f.acct.accountLockedVmAtomic(m, 16384, true, m.rlimitMemlock(), false);
            assertThatThrownBy(() -> f.acct.accountLockedVmAtomic(m, 1, true, m.rlimitMemlock(), false))
                    .satisfies(e -> assertThat(((KernelException) e).errno()).isEqualTo(Errno.ENOMEM));
            assertThat(m.lockedVm()).isEqualTo(16384);
            MmInvariants.assertNone(MmInvariants.checkLockedVm(f.acct, m, 16384));
            // one counter: what the locked path charged and what the atomic one did add up, and the
            // limit sees both
            f.acct.accountLockedVm(m, 100, false);
            f.acct.accountLockedVmAtomic(m, 100, true, m.rlimitMemlock(), false);
            assertThatThrownBy(() -> f.acct.accountLockedVm(m, 1, true)).isInstanceOf(KernelException.class);
            f.acct.accountLockedVmAtomic(m, 16384, false, m.rlimitMemlock(), false);
            assertThat(m.lockedVm()).isZero();
            MmInvariants.assertNone(MmInvariants.checkLockedVm(f.acct, m, 0));
            // only the two locked-path calls took the mmap lock (the refused one too: it fails under it)
            assertThat(m.mmapLock().stats().acquisitions() - before).isEqualTo(2);
        });
    }

    /**
     * {@code MmGup.create(..., lockedVm)} swaps the locked_vm model for every user of the services: here
     * one that charges RLIMIT_MEMLOCK as if the owner had CAP_IPC_LOCK (as a privileged qemu runs).
     */
    @Test
    void createTakesAnotherLockedVmModel() {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(4), 42));
        LockedVm def = new DefaultLockedVm(k);
        LockedVm bypass = new ForwardingLockedVm(def) {
            @Override
            public void accountLockedVm(MmStruct mm, long npages, boolean inc) {
                mm.mmapLock().downWriteKillable();
                try {
                    delegate.accountLockedVmLocked(mm, npages, inc, mm.rlimitMemlock(), true);
                } finally {
                    mm.mmapLock().upWrite();
                }
            }

            @Override
            public void accountLockedVmLocked(MmStruct mm, long npages, boolean inc, long rlimitBytes, boolean bypassRlim) {
                delegate.accountLockedVmLocked(mm, npages, inc, rlimitBytes, true);
            }
        };
        MmGup sys = MmGup.create(k, MemoryConfig.ofBytesPerNode(MmFixture.GIB), MmCosts.defaults(),
                GupCosts.defaults(), bypass);
        MmStruct m = sys.addressSpaces().mmCreate("qemu", 0, false);
        k.spawn(TaskSpec.user("qemu", 1), () -> sys.lockedVm().accountLockedVm(m, 1000, true))
                .attach(MmStruct.class, m);
        k.run();
        // The default model would have refused this charge with ENOMEM (RLIMIT_MEMLOCK 0, no CAP_IPC_LOCK).
        assertThat(sys.lockedVm()).isSameAs(bypass);
        assertThat(m.lockedVm()).isEqualTo(1000);
        MmInvariants.assertNone(MmInvariants.checkLockedVm(sys.lockedVm(), m, 1000));
    }
}
