package org.kemu.mmgup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kemu.mmgup.testing.MmFixture;

/**
 * 5.14's {@code follow_hugetlb_page()}: per huge page one {@code huge_pte_lock} and ONE
 * {@code try_grab_compound_head(head, refs = subpages)}, and the page array filled with the subpages
 * ({@code record_subpages_vmas}); the per-4 KiB walk and grab ({@code follow_page_mask} +
 * {@code try_grab_page}) is paid by THP and small pages only.
 */
class FollowHugetlbPageCostTest {

    private static long pinNs(VmaKind kind, long pageNs, long folioNs) {
        GupCosts c = new GupCosts(300, pageNs, folioNs, 2, 30, 30, 0);
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
    void hugetlbPaysOneGrabPerHugePageAndNoPerPageWalk() {
        assertThat(pinNs(VmaKind.HUGETLB_2M, 100, 40)).isEqualTo(pinNs(VmaKind.HUGETLB_2M, 0, 40));
        // four 2 MiB pages: four try_grab_compound_head
        assertThat(pinNs(VmaKind.HUGETLB_2M, 0, 140) - pinNs(VmaKind.HUGETLB_2M, 0, 40)).isEqualTo(4 * 100);
    }

    @Test
    void thpStillPaysThePerPageWalk() {
        long n = 4 * MmConstants.PMD_PAGES;
        assertThat(pinNs(VmaKind.ANON_THP, 100, 40) - pinNs(VmaKind.ANON_THP, 0, 40)).isEqualTo(100 * n);
    }
}
