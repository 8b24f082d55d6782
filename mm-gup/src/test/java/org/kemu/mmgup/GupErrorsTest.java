package org.kemu.mmgup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kemu.mmgup.testing.MmFixture;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.KernelVersion;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;

/** GUP's errors and return convention (docs/kernel/vfio-gup.md sections 2.1 and 2.3). */
class GupErrorsTest {

    private static Errno errno(Throwable e) {
        return ((KernelException) e).errno();
    }

    @Test
    void holeAtTheStartIsEfaultAndLeavesNoPin() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, 4 * MmFixture.MIB, VmaKind.ANON, true);
            f.mm.munmap(m, va, MmFixture.MIB);
            long[] pfns = new long[1024];
            assertThatThrownBy(() -> f.pinRemote(m, va, 1024, Foll.WRITE, pfns))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EFAULT));
            MmInvariants.assertNone(MmInvariants.checkNoPins(f.pm));
        });
    }

    @Test
    void holeInTheMiddleReturnsThePagesBeforeItAndTheCallerUnpinsThem() {
        // __get_user_pages returns the progress made when a later page fails (docs/kernel/vfio-gup.md section 2.1).
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, 4 * MmFixture.MIB, VmaKind.ANON, true);
            f.mm.munmap(m, va + MmFixture.MIB, MmFixture.MIB);
            long[] pfns = new long[1024];
            long got = f.pinRemote(m, va, 1024, Foll.WRITE, pfns);
            assertThat(got).isEqualTo(256);
            f.gup.unpinUserPages(pfns, (int) got);
            MmInvariants.assertNone(MmInvariants.checkNoPins(f.pm));
        });
    }

    @ParameterizedTest
    @EnumSource(value = KernelVersion.class, names = {"V6_6", "V6_18"})
    void invalidFlagsReturnZeroFromPinRemoteAndEinvalFromFastAndGet(KernelVersion v) {
        // mm/gup.c since is_valid_gup_args: pin_user_pages_remote returns 0 on invalid arguments,
        // pin_user_pages_fast and get_user_pages -EINVAL.
        MmFixture f = fixture(v);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, MmFixture.MIB, VmaKind.ANON, true);
            long[] pfns = new long[4];
            assertThat(f.pinRemote(m, va, 4, 1 << 30, pfns)).isZero();
            assertThat(f.pinRemote(m, va, 4, Foll.GET, pfns)).isZero();
            assertThat(f.pm.vmstat().gupWarnings()).isEqualTo(2);
            assertThatThrownBy(() -> f.gup.pinUserPagesFast(va, 4, 1 << 30, pfns))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EINVAL));
            m.mmapLock().downRead();
            try {
                assertThatThrownBy(() -> f.gup.getUserPages(m, va, 4, Foll.LONGTERM, pfns))
                        .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EINVAL));
            } finally {
                m.mmapLock().upRead();
            }
            assertThat(f.pm.pinnedPages()).isZero();
        });
    }

    @Test
    void pinRemoteWithFollGetIsEinvalIn514() {
        // 5.14 mm/gup.c pin_user_pages_remote(): "if (WARN_ON_ONCE(gup_flags & FOLL_GET)) return -EINVAL;"
        MmFixture f = fixture(KernelVersion.V5_14);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, MmFixture.MIB, VmaKind.ANON, true);
            long[] pfns = new long[4];
            assertThatThrownBy(() -> f.pinRemote(m, va, 4, Foll.GET, pfns))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EINVAL))
                    .hasMessageContaining("pin_user_pages_remote:args");
            assertThat(f.pm.vmstat().gupWarnings()).isEqualTo(1);
            assertThatThrownBy(() -> f.gup.pinUserPagesFast(va, 4, Foll.GET, pfns))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EINVAL));
            assertThat(f.pm.pinnedPages()).isZero();
        });
    }

    private static MmFixture fixture(KernelVersion v) {
        return new MmFixture(Kernels.simulated(KernelConfig.of(MachineSpec.simple(4), 42, v)),
                MemoryConfig.ofBytesPerNode(MmFixture.GIB), GupFlavour.FOLIO_BATCHED, GupCosts.defaults());
    }

    @Test
    void fastPathRangeChecks() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long[] pfns = new long[2];
            assertThatThrownBy(() -> f.gup.pinUserPagesFast(Long.MAX_VALUE - 4096, 2, 0, pfns))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EOVERFLOW));
            assertThatThrownBy(() -> f.gup.pinUserPagesFast(MmConstants.TASK_SIZE_MAX, 2, 0, pfns))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EFAULT));
        });
    }

    @Test
    void pinUserPagesFastPinsPresentPagesLocklessAndFaultsTheRest() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, 2 * MmFixture.MIB, VmaKind.ANON, true);
            f.mm.populate(m, va, MmFixture.MIB, true);
            long[] pfns = new long[512];
            assertThat(f.gup.pinUserPagesFast(va + 5, 512, Foll.WRITE, pfns)).isEqualTo(512);
            assertThat(pfns[300]).isEqualTo(f.mm.followPfn(m, va + 300 * 4096L));
            f.gup.unpinUserPages(pfns, 512);
        });
        MmInvariants.assertNone(MmInvariants.checkNoPins(f.pm));
    }

    @Test
    void exitedMmIsEfault() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, MmFixture.MIB, VmaKind.ANON, true);
            f.mm.exitMmap(m);
            assertThat(m.exited()).isTrue();
            assertThatThrownBy(() -> f.pinRemote(m, va, 4, Foll.WRITE, new long[4]))
                    .satisfies(e -> assertThat(((KernelException) e).check()).isEqualTo("gup:mm_exited"));
        });
    }

    @Test
    void nofaultStopsAtMissingPages() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, MmFixture.MIB, VmaKind.ANON, true);
            long[] pfns = new long[16];
            assertThatThrownBy(() -> f.pinRemote(m, va, 16, Foll.NOFAULT, pfns))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EFAULT));
            f.mm.populate(m, va, 8 * 4096, true);
            assertThat(f.pinRemote(m, va, 16, Foll.NOFAULT, pfns)).isEqualTo(8);
            f.gup.unpinUserPages(pfns, 8);
        });
        assertThat(f.pm.vmstat().pgfault()).isEqualTo(8);
    }

    @Test
    void fatalSignalIsEintr() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, MmFixture.MIB, VmaKind.ANON, true);
            f.kernel.sendFatalSignal(f.kernel.current());
            assertThatThrownBy(() -> f.pinRemote(m, va, 16, Foll.WRITE, new long[16]))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EINTR));
        });
    }

    @Test
    void outOfMemoryDuringFaultIsEnomemWithNothingLeaked() {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(16 * MmFixture.MIB));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long free0 = f.pm.totalFreePages();
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, 32 * MmFixture.MIB, VmaKind.ANON, true);
            long[] pfns = new long[8192];
            long got = f.pinRemote(m, va, 8192, Foll.WRITE, pfns);
            assertThat(got).isEqualTo(4096);
            assertThatThrownBy(() -> f.pinRemote(m, va + (got << 12), 16, Foll.WRITE, new long[16]))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.ENOMEM));
            f.gup.unpinUserPages(pfns, (int) got);
            f.mm.munmap(m, va, 32 * MmFixture.MIB);
        });
        assertThat(f.pm.totalFreePages()).isEqualTo(free0);
    }

    @Test
    void failNthAtAllocationAndPinPoints() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, MmFixture.MIB, VmaKind.ANON, true);
            FailNth.arm(f.kernel.current(), 1);
            assertThatThrownBy(() -> f.pinRemote(m, va, 16, Foll.WRITE, new long[16]))
                    .satisfies(e -> assertThat(((KernelException) e).check()).isEqualTo("mm:alloc_pages"));
            FailNth.arm(f.kernel.current(), 2);
            assertThatThrownBy(() -> f.pinRemote(m, va, 16, Foll.WRITE, new long[16]))
                    .satisfies(e -> assertThat(((KernelException) e).check()).isEqualTo("gup:try_grab_folio"));
            assertThat(FailNth.sites(f.kernel.current())).containsExactly("mm:alloc_pages", "gup:try_grab_folio");
            FailNth.disarm(f.kernel.current());
            assertThat(f.pm.pinnedPages()).isZero();
        });
    }

    @Test
    void mmapAndMunmapArgumentChecks() {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(MmFixture.GIB).withBootHugepages(4, 0));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            assertThatThrownBy(() -> f.mm.mmap(m, 0, 0, VmaKind.ANON, true))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EINVAL));
            assertThatThrownBy(() -> f.mm.mmap(m, 0x10000001000L, 4096, VmaKind.HUGETLB_2M, true))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EINVAL));
            // hugetlb_reserve_pages: a pool of 4 cannot back 5 pages.
            assertThatThrownBy(() -> f.mm.mmap(m, 0, 10 * MmFixture.MIB, VmaKind.HUGETLB_2M, true))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.ENOMEM));
            long va = f.mm.mmap(m, 0, 8 * MmFixture.MIB, VmaKind.HUGETLB_2M, true);
            assertThat(f.pm.resvHugepages(9)).isEqualTo(4);
            assertThatThrownBy(() -> f.mm.mmap(m, va, 4096, VmaKind.ANON, true))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EEXIST));
            assertThatThrownBy(() -> f.mm.munmap(m, va + 4096, 4096))
                    .satisfies(e -> assertThat(((KernelException) e).check()).isEqualTo("munmap:hugetlb_split"));
            assertThatThrownBy(() -> f.mm.munmap(m, va + 1, 4096))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EINVAL));
            assertThat(m.vmas()).hasSize(1);
            f.mm.munmap(m, va + 2 * MmFixture.MIB, 2 * MmFixture.MIB);
            assertThat(m.vmas()).hasSize(2);
            assertThat(f.pm.resvHugepages(9)).isEqualTo(3);
        });
    }
}
