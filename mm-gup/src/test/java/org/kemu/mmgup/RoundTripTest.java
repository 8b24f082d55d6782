package org.kemu.mmgup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kemu.mmgup.testing.MmFixture;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/** Fault, pin, unpin and munmap round trips on every backing (issue 4, Tests). */
class RoundTripTest {

    @ParameterizedTest
    @EnumSource(value = VmaKind.class, names = {"ANON", "ANON_THP", "HUGETLB_2M", "HUGETLB_1G"})
    void pinUnpinMunmapLeavesMemoryAsItWas(VmaKind kind) {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(4 * MmFixture.GIB).withBootHugepages(64, 2));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long len = kind == VmaKind.HUGETLB_1G ? 2 * MmFixture.GIB : 8 * MmFixture.MIB;
        int n = (int) (len >>> 12);
        long free0 = f.pm.totalFreePages();
        long hfree0 = f.pm.freeHugepages(0, 9) + f.pm.freeHugepages(0, 18);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, len, kind, true);
            long[] pfns = new long[n];
            // docs/kernel/vfio-gup.md section 2.3: GUP faults never-touched anonymous memory in during the pin.
            assertThat(f.pinRemote(m, va, n, Foll.WRITE | Foll.LONGTERM, pfns)).isEqualTo(n);
            for (int i = 0; i < n; i += 4099) {
                assertThat(f.mm.followPfn(m, va + ((long) i << 12))).isEqualTo(pfns[i]);
            }
            assertThat(f.pm.maybeDmaPinned(pfns[0])).isTrue();
            assertThat(f.pm.vmstat().nrFollPinAcquired()).isEqualTo(n);
            assertThat(m.hasPinned()).isTrue();
            int expectOrder = kind == VmaKind.ANON ? 0 : kind == VmaKind.HUGETLB_1G ? 18 : 9;
            assertThat(f.pm.folioOrder(pfns[0])).isEqualTo(expectOrder);
            f.gup.unpinUserPagesDirtyLock(pfns, n, true);
            assertThat(f.pm.pinnedPages()).isZero();
            f.mm.munmap(m, va, len);
            assertThat(m.vmas()).isEmpty();
            MmInvariants.assertNone(MmInvariants.checkNoPins(f.pm));
        });
        assertThat(f.pm.totalFreePages()).isEqualTo(free0);
        assertThat(f.pm.freeHugepages(0, 9) + f.pm.freeHugepages(0, 18)).isEqualTo(hfree0);
        assertThat(f.pm.resvHugepages(9) + f.pm.resvHugepages(18)).isZero();
    }

    @Test
    void munmapOfPinnedRangeKeepsPagesUntilUnpinned() {
        // docs/kernel/vfio-gup.md section 2.3: the kernel lets munmap happen; the pin keeps the page alive.
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long free0 = f.pm.totalFreePages();
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, 2 * MmFixture.MIB, VmaKind.ANON, true);
            long[] pfns = new long[512];
            assertThat(f.pinRemote(m, va, 512, Foll.WRITE, pfns)).isEqualTo(512);
            f.mm.munmap(m, va, 2 * MmFixture.MIB);
            assertThat(f.mm.followPfn(m, va)).isEqualTo(-1);
            assertThat(f.pm.isAllocated(pfns[0])).isTrue();
            assertThat(f.pm.refcount(pfns[0])).isEqualTo(MmConstants.GUP_PIN_COUNTING_BIAS);
            assertThat(f.pm.totalFreePages()).isEqualTo(free0 - 512);
            f.gup.unpinUserPages(pfns, 512);
            assertThat(f.pm.isAllocated(pfns[0])).isFalse();
        });
        assertThat(f.pm.totalFreePages()).isEqualTo(free0);
    }

    @Test
    void partialMunmapOfThpSplitsThePmdAndFreesTheFolioAtTheEnd() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long free0 = f.pm.totalFreePages();
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, 4 * MmFixture.MIB, VmaKind.ANON_THP, true);
            f.mm.populate(m, va, 4 * MmFixture.MIB, true);
            long head = f.mm.followPfn(m, va);
            assertThat(f.pm.folioOrder(head)).isEqualTo(9);
            assertThat(f.pm.refcount(head)).isEqualTo(1);
            f.mm.munmap(m, va + MmFixture.MIB, MmFixture.MIB);
            // __split_huge_pmd: 256 PTEs still map the folio, one reference each.
            assertThat(f.pm.refcount(head)).isEqualTo(256);
            assertThat(f.mm.followPfn(m, va + 4096)).isEqualTo(head + 1);
            f.mm.munmap(m, va, 4 * MmFixture.MIB);
        });
        assertThat(f.pm.totalFreePages()).isEqualTo(free0);
    }

    @Test
    void pfnmapIsRefusedByGupButFollowPfnmapResolvesIt() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long bar = f.pm.addIoRegion(MmConstants.PUD_PAGES);
        f.run(m, () -> {
            long va = f.mm.mmapPfn(m, MmFixture.GIB, bar, true, MmConstants.PMD_ORDER);
            long[] pfns = new long[4];
            // docs/kernel/vfio-gup.md section 2.3: check_vma_flags refuses VM_IO | VM_PFNMAP with EFAULT.
            assertThatThrownBy(() -> f.pinRemote(m, va, 4, Foll.WRITE | Foll.LONGTERM, pfns))
                    .isInstanceOf(KernelException.class).extracting(e -> ((KernelException) e).errno())
                    .isEqualTo(Errno.EFAULT);
            m.mmapLock().downRead();
            PfnmapLookup l = f.mm.followPfnmap(m, va + 3 * 4096, true);
            m.mmapLock().upRead();
            assertThat(l.pfn()).isEqualTo(bar + 3);
            assertThat(l.pagesToLevelEnd()).isEqualTo(509);
            // docs/kernel/vfio-gup.md section 1.10: pfns without a struct page are reserved.
            assertThat(f.pm.isInvalidReserved(l.pfn())).isTrue();
            f.mm.munmap(m, va, MmFixture.GIB);
        });
    }

    @Test
    void readOnlyMappingRefusesWritePinsButAllowsReadPins() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, 64 * 4096, VmaKind.ANON, false);
            long[] pfns = new long[64];
            // docs/kernel/vfio-gup.md section 2.3: a write on a VMA without VM_WRITE is EFAULT.
            assertThatThrownBy(() -> f.pinRemote(m, va, 64, Foll.WRITE, pfns))
                    .extracting(e -> ((KernelException) e).check()).isEqualTo("gup:vm_write");
            assertThat(f.pm.pinnedPages()).isZero();
            assertThat(f.pinRemote(m, va, 64, 0, pfns)).isEqualTo(64);
            f.gup.unpinUserPages(pfns, 64);
            f.mm.exitMmap(m);
        });
        MmInvariants.assertNone(MmInvariants.checkNoPins(f.pm));
    }
}
