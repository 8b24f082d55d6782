package org.kemu.mmgup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kemu.mmgup.testing.MmFixture;
import org.kemu.schedfair.KernelException;

/**
 * The public hugetlb pool API of {@link PhysicalMemory} (mm/hugetlb.c: hugetlb_acct_memory,
 * alloc_hugetlb_folio, free_huge_folio), and the THP walk cost of 5.14's per-page GUP
 * (follow_trans_huge_pmd per small page).
 */
class HugetlbPoolApiTest {

    @Test
    void reservationsGateAllocationsAndFreedPagesGoBackToThePool() {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(MmFixture.GIB).withBootHugepages(4, 0));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            assertThat(f.pm.hugetlbReservePages(9, 3)).isTrue();
            assertThat(f.pm.resvHugepages(9)).isEqualTo(3);
            // hugetlb_acct_memory: free (4) minus reserved (3) cannot cover 2 more
            assertThat(f.pm.hugetlbReservePages(9, 2)).isFalse();
            assertThat(f.pm.resvHugepages(9)).isEqualTo(3);
            long reserved = f.pm.allocHugetlbFolio(0, 9, true, false);
            assertThat(reserved).isNotNegative();
            assertThat(f.pm.isHugetlb(reserved)).isTrue();
            assertThat(f.pm.refcount(reserved)).isEqualTo(1);
            assertThat(f.pm.resvHugepages(9)).isEqualTo(2);
            // an unreserved allocation takes the one page nobody reserved, and not a reservation
            long unreserved = f.pm.allocHugetlbFolio(0, 9, false, false);
            assertThat(unreserved).isNotNegative();
            assertThat(f.pm.resvHugepages(9)).isEqualTo(2);
            assertThat(f.pm.allocHugetlbFolio(0, 9, false, false)).isEqualTo(-1);
            assertThat(f.pm.freeHugepages(0, 9)).isEqualTo(2);
            f.pm.freeHugetlbFolio(unreserved);
            f.pm.freeHugetlbFolio(reserved);
            assertThat(f.pm.freeHugepages(0, 9)).isEqualTo(4);
            f.pm.hugetlbUnreservePages(9, 2);
            assertThat(f.pm.resvHugepages(9)).isZero();
            assertThatThrownBy(() -> f.pm.hugetlbUnreservePages(9, 1)).isInstanceOf(KernelException.class);
            assertThatThrownBy(() -> f.pm.allocHugetlbFolio(0, 3, true, false)).isInstanceOf(KernelException.class);
        });
    }

    @Test
    void aFreshBootFolioJoinsThePoolOnlyWhenItsBatchIsAdded() {
        // 6.9 hugetlb_pages_alloc_boot_node: only_alloc_fresh_hugetlb_folio() leaves the folio on the
        // caller's list; prep_and_add_allocated_folios() enqueues the list and counts it in nr_hugepages
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(8L << 20));
        MmStruct m = f.mm.mmCreate("boot", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long[] heads = new long[8];
            int n = 0;
            for (long h; (h = f.pm.allocFreshHugetlbFolio(0, 9)) >= 0; ) {
                heads[n++] = h;
                assertThat(f.pm.isHugetlb(h)).isTrue();
            }
            // 8 MiB of node 0: four order-9 blocks, then the node has none and says so
            assertThat(n).isEqualTo(4);
            assertThat(f.pm.nrHugepages(0, 9)).isZero();
            assertThat(f.pm.freeHugepages(0, 9)).isZero();
            long t0 = f.kernel.now();
            f.pm.addAllocatedHugetlbFolios(9, heads, n);
            assertThat(f.kernel.now()).isGreaterThanOrEqualTo(t0);
            assertThat(f.pm.nrHugepages(0, 9)).isEqualTo(4);
            assertThat(f.pm.freeHugepages(0, 9)).isEqualTo(4);
            assertThatThrownBy(() -> f.pm.allocFreshHugetlbFolio(0, 3)).isInstanceOf(KernelException.class);
            assertThatThrownBy(() -> f.pm.allocFreshHugetlbFolio(5, 9)).isInstanceOf(KernelException.class);
        });
        assertThat(MmInvariants.checkHugetlbReservations(f.pm)).isEmpty();
        assertThat(MmInvariants.checkNoPins(f.pm)).isEmpty();
    }

    private static long pinNs(VmaKind kind, long thpPageNs) {
        GupCosts c = new GupCosts(300, 40, 40, 2, 30, 30, thpPageNs);
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(MmFixture.GIB).withBootHugepages(8, 0),
                GupFlavour.PER_PAGE, c);
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        int n = 4 * MmConstants.PMD_PAGES;
        long[] t = new long[1];
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, (long) n << 12, kind, true);
            f.mm.populate(m, va, (long) n << 12, true);
            long t0 = f.kernel.now();
            f.pinRemote(m, va, n, Foll.WRITE | Foll.LONGTERM, new long[n]);
            t[0] = f.kernel.now() - t0;
        });
        return t[0];
    }

    @Test
    void perPageGupPaysTheThpWalkPerSmallPageOfATHPOnly() {
        long n = 4 * MmConstants.PMD_PAGES;
        assertThat(pinNs(VmaKind.ANON_THP, 100) - pinNs(VmaKind.ANON_THP, 0)).isEqualTo(100 * n);
        assertThat(pinNs(VmaKind.HUGETLB_2M, 100)).isEqualTo(pinNs(VmaKind.HUGETLB_2M, 0));
    }
}
