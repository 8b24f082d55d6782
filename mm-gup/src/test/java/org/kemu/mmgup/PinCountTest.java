package org.kemu.mmgup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.kemu.mmgup.testing.MmFixture;

/** Pin counting: bias 1024 on small folios, exact _pincount on large ones (docs/kernel/vfio-gup.md section 2.2). */
class PinCountTest {

    @Test
    void smallPageRefcountMovesByTheBiasPerPin() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, MmFixture.MIB, VmaKind.ANON, true);
            long[] pfns = new long[256];
            f.pinRemote(m, va, 256, Foll.WRITE, pfns);
            assertThat(f.pm.refcount(pfns[7])).isEqualTo(1 + 1024);
            long[] one = new long[1];
            f.pinRemote(m, va + 7 * 4096, 1, Foll.WRITE, one);
            assertThat(f.pm.refcount(pfns[7])).isEqualTo(1 + 2048);
            assertThat(f.pm.pincount(pfns[7])).isEqualTo(2);
            assertThat(f.pm.pincount(pfns[8])).isEqualTo(1);
            TreeMap<Long, Integer> held = new TreeMap<>();
            for (long p : pfns) {
                held.put(p, 1);
            }
            held.put(pfns[7], 2);
            MmInvariants.assertNone(MmInvariants.checkPinsHeld(f.pm, held));
            f.gup.unpinUserPages(one, 1);
            f.gup.unpinUserPages(pfns, 256);
            assertThat(f.pm.refcount(pfns[7])).isEqualTo(1);
        });
    }

    @Test
    void manyPinsOfOnePageOverflowTheCompactCounterExactly() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, MmFixture.MIB, VmaKind.ANON, true);
            long[] p = new long[1];
            for (int i = 0; i < 200; i++) {
                f.pinRemote(m, va, 1, Foll.WRITE, p);
            }
            // 1 + 200 * 1024 does not fit 16 bits: the exact count must survive.
            assertThat(f.pm.refcount(p[0])).isEqualTo(1 + 200 * 1024);
            assertThat(f.pm.pincount(p[0])).isEqualTo(200);
            for (int i = 0; i < 200; i++) {
                f.gup.unpinUserPages(p, 1);
            }
            assertThat(f.pm.refcount(p[0])).isEqualTo(1);
            assertThatThrownBy(() -> f.gup.unpinUserPages(p, 1)).isInstanceOf(IllegalStateException.class);
            assertThat(f.pm.refcount(p[0])).isEqualTo(1);
        });
    }

    @Test
    void largeFoliosCountPinsExactly() {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(4 * MmFixture.GIB).withBootHugepages(8, 1));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, MmFixture.GIB, VmaKind.HUGETLB_1G, true);
            long[] pfns = new long[1000];
            f.pinRemote(m, va, 1000, Foll.WRITE | Foll.LONGTERM, pfns);
            long head = pfns[0];
            assertThat(f.pm.folioOrder(head)).isEqualTo(18);
            assertThat(f.pm.pincount(head + 5)).isEqualTo(1000);
            assertThat(f.pm.refcount(head)).isEqualTo(1 + 1000);
            long[] more = new long[10];
            f.pinRemote(m, va, 10, Foll.WRITE, more);
            assertThat(f.pm.pincount(head)).isEqualTo(1010);
            f.gup.unpinUserPageRangeDirtyLock(head, 1000, true);
            f.gup.unpinUserPages(more, 10);
            assertThat(f.pm.pincount(head)).isZero();
            assertThat(f.pm.refcount(head)).isEqualTo(1);

            long va2 = f.mm.mmap(m, 0, 4 * MmFixture.MIB, VmaKind.HUGETLB_2M, true);
            long[] p2 = new long[1024];
            f.pinRemote(m, va2, 1024, Foll.WRITE, p2);
            assertThat(f.pm.pincount(p2[0])).isEqualTo(512);
            assertThat(f.pm.pincount(p2[1023])).isEqualTo(512);
            f.gup.unpinUserPages(p2, 1024);
        });
        MmInvariants.assertNone(MmInvariants.checkNoPins(f.pm));
    }

    @Test
    void getUserPagesTakesPlainReferences() {
        MmFixture f = MmFixture.ofGib(1);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, MmFixture.MIB, VmaKind.ANON, true);
            long[] p = new long[4];
            m.mmapLock().downRead();
            try {
                f.gup.getUserPages(m, va, 4, Foll.WRITE, p);
            } finally {
                m.mmapLock().upRead();
            }
            assertThat(f.pm.refcount(p[0])).isEqualTo(2);
            assertThat(f.pm.maybeDmaPinned(p[0])).isFalse();
            f.gup.putPages(p, 4);
            assertThat(f.pm.refcount(p[0])).isEqualTo(1);
        });
        assertThat(f.pm.vmstat().nrFollPinAcquired()).isZero();
    }
}
