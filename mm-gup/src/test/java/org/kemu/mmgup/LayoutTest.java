package org.kemu.mmgup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kemu.mmgup.testing.MmFixture;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/** Allocator layouts, THP fallback and long-term pin migration (issue 4, Tests). */
class LayoutTest {

    /** Number of physically contiguous runs in {@code pfns} (what VFIO maps with one iommu_map each). */
    static int runs(long[] pfns, int n) {
        int r = 1;
        for (int i = 1; i < n; i++) {
            if (pfns[i] != pfns[i - 1] + 1) {
                r++;
            }
        }
        return r;
    }

    private static int guestRuns(LayoutPolicy layout, VmaKind kind) {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(MmFixture.GIB).withLayout(layout));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        int n = 8192;
        int[] out = new int[1];
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, (long) n << 12, kind, true);
            f.mm.populate(m, va, (long) n << 12, true);
            long[] pfns = new long[n];
            assertThat(f.pinRemote(m, va, n, Foll.WRITE | Foll.LONGTERM, pfns)).isEqualTo(n);
            out[0] = runs(pfns, n);
            f.gup.unpinUserPages(pfns, n);
        });
        return out[0];
    }

    @Test
    void contiguityOfAGuestUnderEachLayout() {
        // A fresh machine hands out one physical run; fragmentation cuts it into short runs at every
        // occupied page; random placement leaves almost no two pages adjacent.
        assertThat(guestRuns(LayoutPolicy.CONTIGUOUS, VmaKind.ANON)).isEqualTo(1);
        int fragmented = guestRuns(LayoutPolicy.FRAGMENTED, VmaKind.ANON);
        assertThat(fragmented).isBetween(8192 / 64, 8192 / 4);
        assertThat(guestRuns(LayoutPolicy.RANDOM, VmaKind.ANON)).isGreaterThan(8000);
        assertThat(guestRuns(LayoutPolicy.CONTIGUOUS, VmaKind.ANON_THP)).isEqualTo(1);
        assertThat(guestRuns(LayoutPolicy.RANDOM, VmaKind.ANON_THP)).isBetween(2, 16);
    }

    @Test
    void thpFallsBackToSmallPagesUnderFragmentation() {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(MmFixture.GIB).withLayout(LayoutPolicy.FRAGMENTED));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, 8 * MmFixture.MIB, VmaKind.ANON_THP, true);
            f.mm.populate(m, va, 8 * MmFixture.MIB, true);
            assertThat(f.pm.folioOrder(f.mm.followPfn(m, va))).isZero();
            f.mm.munmap(m, va, 8 * MmFixture.MIB);
        });
        assertThat(f.pm.vmstat().thpFaultFallback()).isEqualTo(4);
        assertThat(f.pm.vmstat().thpFaultAlloc()).isZero();

        MmFixture g = MmFixture.ofGib(1);
        MmStruct m2 = g.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        g.run(m2, () -> {
            long va = g.mm.mmap(m2, 0, 8 * MmFixture.MIB, VmaKind.ANON_THP, true);
            g.mm.populate(m2, va, 8 * MmFixture.MIB, true);
            assertThat(g.pm.folioOrder(g.mm.followPfn(m2, va))).isEqualTo(9);
        });
        assertThat(g.pm.vmstat().thpFaultAlloc()).isEqualTo(4);
    }

    @Test
    void longtermPinMigratesOutOfZoneMovableFirst() {
        // docs/kernel/vfio-gup.md section 2.4: FOLL_LONGTERM pages in ZONE_MOVABLE are migrated before being pinned.
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(MmFixture.GIB).withMovableFraction(0.5));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, 4 * MmFixture.MIB, VmaKind.ANON, true);
            f.mm.populate(m, va, 4 * MmFixture.MIB, true);
            long before = f.mm.followPfn(m, va);
            assertThat(f.pm.zoneOf(before)).isEqualTo(Zone.MOVABLE);
            long[] pfns = new long[1024];
            assertThat(f.pinRemote(m, va, 1024, Foll.WRITE | Foll.LONGTERM, pfns)).isEqualTo(1024);
            for (long p : pfns) {
                assertThat(f.pm.zoneOf(p)).isEqualTo(Zone.NORMAL);
            }
            assertThat(f.mm.followPfn(m, va)).isEqualTo(pfns[0]);
            assertThat(f.pm.isAllocated(before)).isFalse();
            assertThat(f.pm.vmstat().pgmigrateSuccess()).isEqualTo(1024);
            // A short-term pin stays in place, and a page pinned there cannot migrate later.
            long vb = f.mm.mmap(m, 0, MmFixture.MIB, VmaKind.ANON, true);
            long[] q = new long[1];
            f.pinRemote(m, vb, 1, Foll.WRITE, q);
            assertThat(f.pm.zoneOf(q[0])).isEqualTo(Zone.MOVABLE);
            assertThatThrownBy(() -> f.pinRemote(m, vb, 1, Foll.WRITE | Foll.LONGTERM, new long[1]))
                    .satisfies(e -> assertThat(((KernelException) e).errno()).isEqualTo(Errno.ENOMEM));
            f.gup.unpinUserPages(q, 1);
            f.gup.unpinUserPages(pfns, 1024);
            f.mm.exitMmap(m);
        });
        MmInvariants.assertNone(MmInvariants.checkNoPins(f.pm));
        assertThat(f.pm.totalFreePages()).isEqualTo(f.pm.nodePages(0));
    }

    @Test
    void hugetlbPoolGrowsAndShrinksAtRunTime() {
        MmFixture f = MmFixture.ofGib(4);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            f.pm.setNrHugepages(0, 18, 2);
            f.pm.setNrHugepages(0, 9, 100);
            assertThat(f.pm.nrHugepages(0, 18)).isEqualTo(2);
            assertThat(f.pm.nrHugepages(0, 9)).isEqualTo(100);
            // More 1 GiB pages than the normal zone holds: the kernel stops short without an error.
            f.pm.setNrHugepages(0, 18, 100);
            assertThat(f.pm.nrHugepages(0, 18)).isEqualTo(3);
            long va = f.mm.mmap(m, 0, 2 * MmFixture.GIB, VmaKind.HUGETLB_1G, true);
            f.pm.setNrHugepages(0, 18, 0);
            // Reserved pages cannot be freed (set_max_huge_pages keeps resv_huge_pages).
            assertThat(f.pm.nrHugepages(0, 18)).isEqualTo(2);
            f.mm.munmap(m, va, 2 * MmFixture.GIB);
            f.pm.setNrHugepages(0, 18, 0);
            f.pm.setNrHugepages(0, 9, 0);
            assertThat(f.pm.nrHugepages(0, 18)).isZero();
        });
        assertThat(f.pm.totalFreePages()).isEqualTo(f.pm.nodePages(0));
    }
}
