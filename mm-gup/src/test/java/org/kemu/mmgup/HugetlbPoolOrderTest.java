package org.kemu.mmgup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kemu.mmgup.testing.MmFixture;

/**
 * The order in which the hugetlb pool hands out pages (mm/hugetlb.c 5.14): the boot pool is filled by
 * {@code alloc_pool_huge_page()} with ascending buddy blocks, each freed into the pool by
 * {@code enqueue_huge_page()} at the head of {@code hugepage_freelists[nid]}, and
 * {@code dequeue_huge_page_node_exact()} takes the first entry: a LIFO, so consecutive faults get
 * descending pfns and a freed page is the next one handed out.
 */
class HugetlbPoolOrderTest {

    private static long[] faultAndRead(MmFixture f, MmStruct m, VmaKind kind, int hugePages) {
        long size = (long) hugePages << (MmConstants.PAGE_SHIFT + kind.pageOrder());
        int n = (int) (size >>> MmConstants.PAGE_SHIFT);
        long[] pfns = new long[n];
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, size, kind, true);
            // faults in address order, one huge page after the other (hugetlb_fault -> hugetlb_no_page)
            f.mm.populate(m, va, size, true);
            f.pinRemote(m, va, n, Foll.WRITE, pfns);
            f.gup.unpinUserPages(pfns, n);
        });
        long[] heads = new long[hugePages];
        for (int i = 0; i < hugePages; i++) {
            heads[i] = pfns[i << kind.pageOrder()];
        }
        return heads;
    }

    @Test
    void consecutiveFaultsGetDescendingPfnsFromTheBootPool() {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(2 * MmFixture.GIB).withBootHugepages(8, 0));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long[] heads = faultAndRead(f, m, VmaKind.HUGETLB_2M, 8);
        for (int i = 1; i < heads.length; i++) {
            // the head of the free list is the page carved last: each fault gets the block below the previous one
            assertThat(heads[i]).isEqualTo(heads[i - 1] - MmConstants.PMD_PAGES);
        }
    }

    @Test
    void gigantic1GiBPagesComeOutHighestFirstToo() {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(4 * MmFixture.GIB).withBootHugepages(0, 2));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long[] heads = faultAndRead(f, m, VmaKind.HUGETLB_1G, 2);
        // gather_bootmem_prealloc() enqueues the memblock pages lowest first, each at the head
        assertThat(heads[1]).isEqualTo(heads[0] - MmConstants.PUD_PAGES);
    }

    @Test
    void aFreedPageGoesBackToTheHeadAndIsHandedOutNext() {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(MmFixture.GIB).withBootHugepages(4, 0));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        f.run(m, () -> {
            long a = f.pm.allocHugetlbFolio(0, MmConstants.PMD_ORDER, false, false);
            long b = f.pm.allocHugetlbFolio(0, MmConstants.PMD_ORDER, false, false);
            long c = f.pm.allocHugetlbFolio(0, MmConstants.PMD_ORDER, false, false);
            assertThat(b).isEqualTo(a - MmConstants.PMD_PAGES);
            assertThat(c).isEqualTo(b - MmConstants.PMD_PAGES);
            // free_huge_page -> enqueue_huge_page: list_move to the head
            f.pm.freeHugetlbFolio(a);
            f.pm.freeHugetlbFolio(c);
            assertThat(f.pm.allocHugetlbFolio(0, MmConstants.PMD_ORDER, false, false)).isEqualTo(c);
            assertThat(f.pm.allocHugetlbFolio(0, MmConstants.PMD_ORDER, false, false)).isEqualTo(a);
        });
    }
}
