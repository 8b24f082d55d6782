package org.kemu.mmgup.mm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kemu.mmgup.Foll;
import org.kemu.mmgup.LayoutPolicy;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmInvariants;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.VmaKind;
import org.kemu.mmgup.testing.MmFixture;

/**
 * A full slot of 4 KiB PTEs is kept as an extent (one contiguous run), as at most
 * {@link PageTable#MAX_RUNS} runs, or packed; whichever form, every page maps the pfn its fault
 * installed. Representation only: 5.14 has one PTE per page whatever the pfns.
 */
class PageTableCompactTest {
    static final long MIB = MmFixture.MIB;
    static final long GIB = MmFixture.GIB;

    /** Slot 0 fully populated with {@code nrRuns} runs of nearly equal length, each far from the last. */
    private static PageTable slotOfRuns(int nrRuns) {
        PageTable pt = new PageTable(21, 0, 2 * MIB);
        int[] p = pt.ensurePtes(0);
        for (int i = 0; i < 512; i++) {
            int run = i * nrRuns / 512;
            p[i] = 1 + 1000 * (run + 1) + i;
        }
        return pt;
    }

    @ParameterizedTest(name = "{0} runs")
    @ValueSource(ints = {2, 3, 17, PageTable.MAX_RUNS})
    void aFullSlotOfFewRunsKeepsItsRunsAndMapsEveryPageAsBefore(int nrRuns) {
        PageTable pt = slotOfRuns(nrRuns);
        long[] before = new long[512];
        for (int i = 0; i < 512; i++) {
            before[i] = pt.pfnAt((long) i << 12);
        }
        pt.compact(0, MmFixture.ofGib(1).pm);
        assertThat(pt.hasRuns(0)).isTrue();
        assertThat(PageTable.nrRuns(pt.runs[0])).isEqualTo(nrRuns);
        assertThat(pt.ptes[0]).isNull();
        for (int i = 0; i < 512; i++) {
            assertThat(pt.pfnAt((long) i << 12)).as("page %d", i).isEqualTo(before[i]);
        }
        pt.materialise(0); // an edit of single PTEs gets them back, the same
        for (int i = 0; i < 512; i++) {
            assertThat(pt.pfnAt((long) i << 12)).isEqualTo(before[i]);
        }
    }

    @Test
    void aSlotOfTooManyRunsTooFarApartOrWithAHoleStaysPacked() {
        PageTable many = slotOfRuns(PageTable.MAX_RUNS + 1);
        many.compact(0, MmFixture.ofGib(1).pm);
        assertThat(many.hasRuns(0)).isFalse();
        assertThat(many.ptes[0]).isNotNull();

        // two runs 2^24 pages apart: further than a run's 23-bit distance from the slot's least pfn
        PageTable far = new PageTable(21, 0, 2 * MIB);
        int[] p = far.ensurePtes(0);
        for (int i = 0; i < 512; i++) {
            p[i] = 1 + (i < 256 ? 0 : 1 << 24) + i;
        }
        far.compact(0, MmFixture.ofGib(1).pm);
        assertThat(far.hasRuns(0)).isFalse();
        assertThat(far.pfnAt(300L << 12)).isEqualTo((1L << 24) + 300);

        PageTable holed = slotOfRuns(2);
        holed.ptes[0][300] = 0;
        holed.compact(0, MmFixture.ofGib(1).pm);
        assertThat(holed.hasRuns(0)).isFalse();
        assertThat(holed.pfnAt(300L << 12)).isEqualTo(-1);
    }

    @Test
    void aFragmentedGuestsPageTablesCostAtMostAByteAPageAndPinWhatTheyMap() {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(2 * GIB).withLayout(LayoutPolicy.FRAGMENTED));
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, true);
        long va = 4 * GIB;
        long len = 256 * MIB;
        int pages = (int) (len >>> 12);
        f.run(m, () -> {
            f.mm.mmap(m, va, len, VmaKind.ANON, true);
            f.mm.populate(m, va, len, true);
            // other users' pages in every block: no slot is one contiguous run, packed they cost 4 B a
            // page; issue 15 bounds a 4 KiB guest's whole heap at 1 B a page
            assertThat((double) ((MmStructImpl) m).heapBytes() / pages).isLessThanOrEqualTo(1.0);
            long[] out = new long[512];
            for (int done = 0; done < pages; done += 512) {
                assertThat(f.pinRemote(m, va + ((long) done << 12), 512, Foll.WRITE | Foll.LONGTERM, out))
                        .isEqualTo(512);
                for (int i = 0; i < 512; i++) {
                    assertThat(out[i]).isEqualTo(f.mm.followPfn(m, va + ((long) (done + i) << 12)));
                }
                for (int i = 0; i < 512; i++) {
                    f.gup.unpinUserPageRangeDirtyLock(out[i], 1, true);
                }
            }
            assertThat(MmInvariants.checkNoPins(f.pm)).isEmpty();
            f.mm.munmap(m, va, len);
        });
    }
}
