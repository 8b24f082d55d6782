package org.kemu.mmgup.mm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kemu.mmgup.Foll;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmInvariants;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.VmaKind;
import org.kemu.mmgup.phys.PhysicalMemoryImpl;
import org.kemu.mmgup.testing.MmFixture;

/**
 * The packed refcounts of 4 KiB pages ({@code SmallBlock}) go back to one value per 2 MiB block once
 * every used page of the block agrees again, whatever order pins and unpins come in
 * ({@code try_grab_page(FOLL_PIN)} adds GUP_PIN_COUNTING_BIAS, {@code unpin_user_pages} removes it; 5.14
 * mm/gup.c): counts read back page by page equal a ledger at every step, and once all of a COWed
 * range is pinned (or unpinned again) the per-page arrays are gone, so the metadata is back to its
 * size before the pins. Part way through, a block costs its two-value form (a bitmap of the pages
 * at the second count), never a count per page.
 */
class SmallBlockCollapseTest {
    private static final long PAGE = MmConstants.PAGE_SIZE;
    private static final long LEN = 8 * MmFixture.MIB;
    private static final int PAGES = (int) (LEN / PAGE);

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void countsMatchLedgerAndBlocksCollapseWhenUniformAgain(long seed) {
        MmFixture f = MmFixture.ofGib(1);
        PhysicalMemoryImpl pm = (PhysicalMemoryImpl) f.pm;
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long[] pfns = new long[PAGES];
        Map<Long, Integer> ledger = new HashMap<>();
        long[] heap = new long[4];
        SplittableRandom rnd = new SplittableRandom(seed);
        f.run(m, () -> {
            long va = f.mm.mmap(m, 0, LEN, VmaKind.ANON_THP, true);
            f.touchInterleaved(m, va, LEN, 4);
            for (int i = 0; i < PAGES; i++) {
                pfns[i] = f.mm.followPfn(m, va + i * PAGE);
            }
            heap[0] = pm.estimatedHeapBytes();
            // the whole range pinned in random pieces, in random order, checked after each
            List<int[]> pieces = new ArrayList<>();
            for (int at = 0; at < PAGES;) {
                int n = Math.min(PAGES - at, 1 + rnd.nextInt(700));
                pieces.add(new int[] {at, n});
                at += n;
            }
            for (int i = pieces.size() - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int[] t = pieces.get(i);
                pieces.set(i, pieces.get(j));
                pieces.set(j, t);
            }
            List<long[]> pinned = new ArrayList<>();
            for (int[] p : pieces) {
                long[] out = new long[p[1]];
                f.pinRemote(m, va + p[0] * PAGE, p[1], Foll.WRITE | Foll.LONGTERM, out);
                pinned.add(out);
                for (long pfn : out) {
                    ledger.merge(pfn, 1, Integer::sum);
                }
                checkAgainstLedger(pm, pfns, ledger);
                heap[3] = Math.max(heap[3], pm.estimatedHeapBytes());
            }
            heap[1] = pm.estimatedHeapBytes();
            for (long[] out : pinned) {
                f.gup.unpinUserPages(out, out.length);
                for (long pfn : out) {
                    ledger.merge(pfn, -1, Integer::sum);
                }
                checkAgainstLedger(pm, pfns, ledger);
                heap[3] = Math.max(heap[3], pm.estimatedHeapBytes());
            }
            heap[2] = pm.estimatedHeapBytes();
        });
        assertThat(MmInvariants.checkPinsBalanced(pm)).isEmpty();
        // every used page of every block agrees once all is pinned, and again once all is unpinned:
        // no block keeps its 2 bytes per page
        assertThat(heap[1]).as("heap after the pins, before %d", heap[0]).isEqualTo(heap[0]);
        assertThat(heap[2]).isEqualTo(heap[0]);
        long blocks = Arrays.stream(pfns).map(p -> p >>> 9).distinct().count();
        assertThat(heap[3] - heap[0]).as("peak growth over %d blocks", blocks).isLessThanOrEqualTo(80 * blocks);
    }

    private static void checkAgainstLedger(PhysicalMemoryImpl pm, long[] pfns, Map<Long, Integer> ledger) {
        int[] want = new int[pfns.length];
        int[] got = new int[pfns.length];
        for (int i = 0; i < pfns.length; i++) {
            // a COWed page mapped once: refcount 1, plus the bias per pin
            want[i] = 1 + ledger.getOrDefault(pfns[i], 0) * MmConstants.GUP_PIN_COUNTING_BIAS;
            got[i] = pm.refcount(pfns[i]);
        }
        assertThat(Arrays.equals(got, want)).as("refcounts differ from the ledger").isTrue();
    }
}
