package org.kemu.mmgup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kemu.mmgup.testing.MmFixture;

/** Per-page and folio-batched GUP pin the same pages and differ only in cost (issue 4, Tests). */
class GupImplsTest {

    record Result(long[] pfns, long pinNs, long unpinNs, long pinned) {
    }

    private static Result pin(GupFlavour impl, VmaKind kind) {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(4 * MmFixture.GIB).withBootHugepages(16, 1),
                impl, GupCosts.defaults());
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        int n = kind == VmaKind.HUGETLB_1G ? MmConstants.PUD_PAGES : 8192;
        long[] pfns = new long[n];
        long[] t = new long[3];
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, (long) n << 12, kind, true);
            f.mm.populate(m, va, (long) n << 12, true);
            long t0 = f.kernel.now();
            t[2] = f.pinRemote(m, va, n, Foll.WRITE | Foll.LONGTERM, pfns);
            long t1 = f.kernel.now();
            f.gup.unpinUserPagesDirtyLock(pfns, n, true);
            t[0] = t1 - t0;
            t[1] = f.kernel.now() - t1;
        });
        return new Result(pfns, t[0], t[1], t[2]);
    }

    @ParameterizedTest
    @EnumSource(value = VmaKind.class, names = {"ANON", "ANON_THP", "HUGETLB_2M", "HUGETLB_1G"})
    void samePagesDifferentCost(VmaKind kind) {
        Result perPage = pin(GupFlavour.PER_PAGE, kind);
        Result folio = pin(GupFlavour.FOLIO_BATCHED, kind);
        assertThat(folio.pinned()).isEqualTo(perPage.pinned());
        assertThat(folio.pfns()).isEqualTo(perPage.pfns());
        // unpin_user_pages_dirty_lock() has batched the entries of one folio since 5.12
        // (for_each_compound_head: one put_compound_head per run), so both release per folio run; with equal
        // per-release costs in the defaults the unpin costs the same. Per-page unpinning is the caller's
        // choice (5.14 vfio's put_pfn loop, Gup.unpinUserPagesEach; UnpinCompoundBatchTest).
        assertThat(folio.unpinNs()).isEqualTo(perPage.unpinNs());
        if (kind == VmaKind.ANON) {
            // Every small page is its own folio: batching buys nothing (docs/kernel/vfio-gup.md section 2.7, 4 KiB unchanged).
            assertThat(folio.pinNs()).isCloseTo(perPage.pinNs(), org.assertj.core.data.Percentage.withPercentage(20));
        } else if (kind.isHugetlb()) {
            // 5.14 follow_hugetlb_page() already grabs once per huge page (try_grab_compound_head with
            // refs = subpages): the pin costs the same.
            assertThat(folio.pinNs()).isEqualTo(perPage.pinNs());
        } else {
            assertThat(folio.pinNs() * 5).isLessThan(perPage.pinNs());
        }
    }
}
