package org.kemu.mmgup.mm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kemu.mmgup.Foll;
import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.GupFlavour;
import org.kemu.mmgup.MemoryConfig;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.VmaKind;
import org.kemu.mmgup.testing.MmFixture;
import org.kemu.schedfair.LockStats;
import org.kemu.schedfair.TaskSpec;

/**
 * The split PMD lock belongs to the PMD page-table page and so covers 1 GiB of address space
 * ({@code pmd_lockptr()} -> {@code ptlock_ptr(pmd_to_page(pmd))}, x86-64 USE_SPLIT_PMD_PTLOCKS); 5.14's
 * hugetlb GUP takes it once per 2 MiB page ({@code follow_hugetlb_page()} -> {@code huge_pte_lock()} ->
 * {@code huge_pte_lockptr()} -> {@code pmd_lockptr()}). Two helpers pinning 2 MiB pages of the same 1 GiB
 * region contend on it; in different 1 GiB regions they do not.
 */
class PmdLockTest {
    static final long GIB = MmFixture.GIB;
    static final long CHUNK = 128 * MmFixture.MIB;

    /** Two tasks of qemu's mm each pin {@code CHUNK} at {@code offA} / {@code offB} of a 2 GiB hugetlb mapping. */
    private static LockStats[] pinTwo(long offA, long offB) {
        MmFixture f = new MmFixture(MemoryConfig.ofBytesPerNode(4 * GIB).withBootHugepages(1024, 0),
                GupFlavour.PER_PAGE, GupCosts.defaults());
        MmStruct m = f.mm.mmCreate("qemu", Long.MAX_VALUE, false);
        long[] va = new long[1];
        LockStats[][] before = new LockStats[1][];
        // 1 GiB-aligned mapping, populated first so the pins do not fault (faults take the lock too)
        f.run(m, () -> {
            va[0] = f.mm.mmap(m, GIB, 2 * GIB, VmaKind.HUGETLB_2M, true);
            f.mm.populate(m, va[0], 2 * GIB, true);
            MmStructImpl mi = (MmStructImpl) m;
            before[0] = new LockStats[] {mi.pmdLock(va[0]).stats(), mi.pmdLock(va[0] + GIB).stats()};
        });
        assertThat(va[0] & (GIB - 1)).isZero();
        int n = (int) (CHUNK >>> MmConstants.PAGE_SHIFT);
        for (long off : new long[] {offA, offB}) {
            f.kernel.spawn(TaskSpec.user("helper", 1), () -> {
                long[] out = new long[n];
                assertThat(f.pinRemote(m, va[0] + off, n, Foll.WRITE | Foll.LONGTERM, out)).isEqualTo(n);
            }).attach(MmStruct.class, m);
        }
        MmFixture.runAll(f.kernel);
        MmStructImpl mi = (MmStructImpl) m;
        LockStats a = mi.pmdLock(va[0]).stats();
        LockStats b = mi.pmdLock(va[0] + GIB).stats();
        return new LockStats[] {delta(a, before[0][0]), delta(b, before[0][1])};
    }

    private static LockStats delta(LockStats now, LockStats was) {
        return new LockStats(now.name(), now.kind(), now.acquisitions() - was.acquisitions(),
                now.contentions() - was.contentions(), now.totalWaitNs() - was.totalWaitNs(), now.maxWaitNs());
    }

    @Test
    void helpersInTheSame1GiBRegionContendOnItsPmdLock() {
        LockStats[] s = pinTwo(0, CHUNK);
        // one huge_pte_lock per 2 MiB page pinned: 2 x 64 pages in the first GiB, none in the second
        assertThat(s[0].acquisitions()).isEqualTo(2 * CHUNK / MmConstants.PMD_SIZE);
        assertThat(s[0].contentions()).isPositive();
        assertThat(s[1].acquisitions()).isZero();
    }

    @Test
    void helpersInDifferent1GiBRegionsDoNotContend() {
        LockStats[] s = pinTwo(0, GIB);
        assertThat(s[0].acquisitions()).isEqualTo(CHUNK / MmConstants.PMD_SIZE);
        assertThat(s[1].acquisitions()).isEqualTo(CHUNK / MmConstants.PMD_SIZE);
        assertThat(s[0].contentions()).isZero();
        assertThat(s[1].contentions()).isZero();
    }
}
