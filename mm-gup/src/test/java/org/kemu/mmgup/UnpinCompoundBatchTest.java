package org.kemu.mmgup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kemu.mmgup.testing.MmFixture;

/**
 * Since 5.12 {@code unpin_user_pages_dirty_lock()} and {@code unpin_user_page_range_dirty_lock()} walk
 * their pages with {@code for_each_compound_head} / {@code for_each_compound_range}: one
 * {@code put_compound_head(head, ntails, FOLL_PIN)} per folio run, so a THP range costs one release
 * per 2 MiB and 4 KiB pages one each. A caller that unpins page by page (5.14 vfio's {@code put_pfn()}
 * loop) pays one release per 4 KiB page whatever the folio.
 */
class UnpinCompoundBatchTest {
    private static final int PAGES = 4 * MmConstants.PMD_PAGES;
    private static final long UNPIN_NS = 30;

    /** Virtual ns of releasing a pin of {@code PAGES} populated pages of {@code kind}, by range or page by page. */
    private static long unpinNs(VmaKind kind, boolean each) {
        GupCosts c = new GupCosts(0, 0, 0, 0, UNPIN_NS, UNPIN_NS, 0);
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(MmFixture.GIB).withBootHugepages(8, 0),
                GupFlavour.PER_PAGE, c);
        MmStruct m = f.mm.mmCreate("rdma", Long.MAX_VALUE, false);
        long[] t = new long[1];
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, (long) PAGES << 12, kind, true);
            f.mm.populate(m, va, (long) PAGES << 12, true);
            long[] pfns = new long[PAGES];
            f.pinRemote(m, va, PAGES, Foll.WRITE | Foll.LONGTERM, pfns);
            long t0 = f.kernel.now();
            // the pinned range is physically contiguous per 2 MiB folio (THP) or per page run (4 KiB)
            for (int i = 0; i < PAGES;) {
                int j = i + 1;
                while (j < PAGES && pfns[j] == pfns[j - 1] + 1) {
                    j++;
                }
                if (each) {
                    f.gup.unpinUserPagesEach(pfns[i], j - i, true);
                } else {
                    f.gup.unpinUserPageRangeDirtyLock(pfns[i], j - i, true);
                }
                i = j;
            }
            t[0] = f.kernel.now() - t0;
            assertThat(f.sys.physicalMemory().pinnedPages()).isZero();
        });
        return t[0];
    }

    @Test
    void aThpRangeIsReleasedOncePerFolio() {
        assertThat(unpinNs(VmaKind.ANON_THP, false)).isEqualTo(4 * UNPIN_NS);
    }

    @Test
    void smallPagesAreReleasedOneByOne() {
        assertThat(unpinNs(VmaKind.ANON, false)).isEqualTo(PAGES * UNPIN_NS);
    }

    @Test
    void pageByPageUnpinningPaysPerPageEvenInsideAFolio() {
        assertThat(unpinNs(VmaKind.ANON_THP, true)).isEqualTo(PAGES * UNPIN_NS);
    }
}
