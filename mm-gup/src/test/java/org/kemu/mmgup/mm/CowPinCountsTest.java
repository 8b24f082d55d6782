package org.kemu.mmgup.mm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.kemu.mmgup.Foll;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmInvariants;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.VmaKind;
import org.kemu.mmgup.phys.PhysicalMemoryImpl;
import org.kemu.mmgup.testing.MmFixture;

/**
 * Pin counts on COWed 4 KiB pages, whose 2 MiB blocks are filled by several CPUs' per-CPU lists, so a
 * pin covers part of a block and its counts diverge: the packed block form ({@code SmallBlock},
 * {@code FolioRefs.addRefsLocked}'s fast path, {@code pinnedPages}' walk over used bits) must agree page
 * by page with a ledger of the pins taken ({@code try_grab_page(FOLL_PIN)} adds GUP_PIN_COUNTING_BIAS,
 * {@code unpin_user_page} removes it; 5.14 mm/gup.c), and the pins-balanced check must still catch
 * one pin added behind vmstat's back.
 */
class CowPinCountsTest {
    private static final long PAGE = MmConstants.PAGE_SIZE;
    private static final long LEN = 8 * MmFixture.MIB;
    private static final int PAGES = (int) (LEN / PAGE);

    @Test
    void packedPinCountsAgreeWithPerPageLedgerAndALeakIsCaught() {
        MmFixture f = MmFixture.ofGib(1);
        PhysicalMemoryImpl pm = (PhysicalMemoryImpl) f.pm;
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long[] pfns = new long[PAGES];
        TreeMap<Long, Integer> ledger = new TreeMap<>();
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, LEN, VmaKind.ANON_THP, true);
            f.touchInterleaved(m, va, LEN, 4);
            for (int i = 0; i < PAGES; i++) {
                pfns[i] = f.mm.followPfn(m, va + i * PAGE);
            }
            // overlapping pins, then partial unpins of each
            long[] a = new long[1500];
            long[] b = new long[1000];
            f.pinRemote(m, va + 37 * PAGE, a.length, Foll.WRITE | Foll.LONGTERM, a);
            f.pinRemote(m, va + 900 * PAGE, b.length, Foll.WRITE | Foll.LONGTERM, b);
            f.gup.unpinUserPages(a, 301);
            f.gup.unpinUserPages(java.util.Arrays.copyOfRange(b, 640, 1000), 360);
            for (int i = 301; i < a.length; i++) {
                ledger.merge(a[i], 1, Integer::sum);
            }
            for (int i = 0; i < 640; i++) {
                ledger.merge(b[i], 1, Integer::sum);
            }
        });
        long sum = 0;
        for (long pfn : pfns) {
            int pins = ledger.getOrDefault(pfn, 0);
            // a COWed page mapped once: refcount 1, plus the bias per pin
            assertThat(pm.refcount(pfn)).as("pfn %d", pfn).isEqualTo(1 + pins * MmConstants.GUP_PIN_COUNTING_BIAS);
            sum += pins;
        }
        assertThat(sum).isEqualTo(1199 + 640);
        assertThat(pm.pinnedPages()).isEqualTo(sum);
        assertThat(MmInvariants.checkPinsBalanced(pm)).isEmpty();
        // a leak: one pin added to a page without vmstat's nr_foll_pin_acquired
        long victim = pfns[5];
        pm.meta().lock();
        try {
            pm.refs().addRefsLocked(victim, 1, MmConstants.GUP_PIN_COUNTING_BIAS, 0, 0);
        } finally {
            pm.meta().unlock();
        }
        assertThat(pm.pinnedPages()).isEqualTo(sum + 1);
        assertThat(MmInvariants.checkPinsBalanced(pm))
                .singleElement().asString().contains("memory holds " + (sum + 1) + " pins");
    }
}
