package org.kemu.mmgup.mm;

import java.util.Arrays;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.schedfair.SpinLock;

/**
 * The page table of one VMA, by leaf-table slots of {@code 1 << slotShift} bytes (2 MiB, or 1 GiB for
 * 1 GiB hugetlb). A slot is either empty, an extent (every page of the slot maps {@code base + i}:
 * a PMD/PUD-mapped folio or 512 physically contiguous small pages) or, for 4 KiB mappings, a packed
 * {@code int[512]} of {@code pfn + 1} (0 = no page). Extents cost 8 bytes per slot; only slots that
 * are partly populated, straddle a VMA edge or are not physically contiguous pay 4 bytes per page.
 * A full slot of 4 KiB pages in a few physically contiguous runs (what the COW of a huge zero page
 * leaves: one run per per-CPU list refill, {@link ZeroPageCow}) is kept as its runs, 4 bytes per
 * run, and expanded to the packed form only when something edits single PTEs.
 */
final class PageTable {
    static final long NONE = -1;

    final int slotShift;
    /** Index of the slot containing the VMA's first byte, in absolute slot numbers. */
    long firstSlot;
    long[] base;
    /**
     * PTE pages by slot, created on the first small-page fault of the VMA. Volatile and created under
     * the table's monitor: first faults in different slots hold different PTE locks (as in the kernel,
     * where {@code __pte_alloc} installs each PTE page under its own PMD lock), so nothing else orders them.
     */
    volatile int[][] ptes;
    /**
     * Run-length slots. {@code runs[s][0]} holds the number of runs (bits 48 and up) and the least
     * pfn of the slot, its base; then two runs per long, the run {@code j} in the low (even j) or
     * high (odd j) half of {@code runs[s][1 + j / 2]}: its first PTE index (9 bits) over its first
     * pfn's distance from the base (23 bits, so a slot's pages lie within 32 GiB of each other).
     * Indices ascend from 0; run j maps pages {@code [index_j, index_{j+1})} (the last to 511) to
     * consecutive pfns. Every page of such a slot is present. Created like {@link #ptes}.
     */
    volatile long[][] runs;
    private static final int RUN_DELTA_BITS = 23;
    private static final int RUN_DELTA_MASK = (1 << RUN_DELTA_BITS) - 1;
    private static final int RUN_COUNT_SHIFT = 48;
    private static final long RUN_BASE_MASK = (1L << RUN_COUNT_SHIFT) - 1;

    PageTable(int slotShift, long startAddr, long endAddr) {
        this.slotShift = slotShift;
        this.firstSlot = startAddr >>> slotShift;
        int n = (int) (((endAddr - 1) >>> slotShift) - firstSlot + 1);
        this.base = new long[n];
        Arrays.fill(base, NONE);
    }

    int slotOf(long addr) {
        return (int) ((addr >>> slotShift) - firstSlot);
    }

    static int pteIndex(long addr) {
        return (int) ((addr >>> 12) & 511);
    }

    /** The pfn mapped at {@code addr}, or -1. */
    long pfnAt(long addr) {
        int s = slotOf(addr);
        if (base[s] != NONE) {
            return base[s] + ((addr & ((1L << slotShift) - 1)) >>> 12);
        }
        if (hasRuns(s)) {
            long[] r = runs[s];
            int i = pteIndex(addr);
            return runPfn(r, runOf(r, i), i);
        }
        if (ptes != null && ptes[s] != null) {
            int v = ptes[s][pteIndex(addr)];
            return v == 0 ? -1 : Integer.toUnsignedLong(v) - 1;
        }
        return -1;
    }

    boolean hasRuns(int s) {
        return runs != null && runs[s] != null;
    }

    /** Runs of run-length slot {@code r}. */
    static int nrRuns(long[] r) {
        return (int) (r[0] >>> RUN_COUNT_SHIFT);
    }

    private static int runWord(long[] r, int j) {
        return (int) (r[1 + (j >>> 1)] >>> ((j & 1) << 5));
    }

    /** First PTE index of run {@code j}. */
    static int runStart(long[] r, int j) {
        return runWord(r, j) >>> RUN_DELTA_BITS;
    }

    /** Index of the run of {@code r} that holds PTE index {@code i}. */
    static int runOf(long[] r, int i) {
        int lo = 0;
        int hi = nrRuns(r) - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (runStart(r, mid) <= i) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Pfn of PTE index {@code i} of run-length slot {@code r}, given the run {@code j} holding it. */
    static long runPfn(long[] r, int j, int i) {
        int w = runWord(r, j);
        return (r[0] & RUN_BASE_MASK) + (w & RUN_DELTA_MASK) + i - (w >>> RUN_DELTA_BITS);
    }

    /** First PTE index past run {@code j}. */
    static int runEnd(long[] r, int j) {
        return j + 1 < nrRuns(r) ? runStart(r, j + 1) : 512;
    }

    /**
     * The run-length form of a full slot whose PTE {@code i} maps {@code pfns[i]}, or null when its
     * pages lie too far apart for it (more than 2^23 pages from the least).
     */
    static long[] runsOf(long[] pfns) {
        return runsOf(i -> pfns[i]);
    }

    /** {@link #runsOf(long[])} of the pfns {@code pfnAt} gives for PTE indices 0..511. */
    private static long[] runsOf(java.util.function.IntToLongFunction pfnAt) {
        int n = 1;
        long prev = pfnAt.applyAsLong(0);
        long least = prev;
        long most = prev;
        for (int i = 1; i < 512; i++) {
            long pfn = pfnAt.applyAsLong(i);
            if (pfn != prev + 1) {
                n++;
                least = Math.min(least, pfn);
                most = Math.max(most, pfn);
            }
            prev = pfn;
        }
        // a run's pages ascend from its first, so the least pfn is some run's first
        if (most - least > RUN_DELTA_MASK || least < 0 || least > RUN_BASE_MASK) {
            return null;
        }
        long[] r = new long[1 + ((n + 1) >>> 1)];
        r[0] = ((long) n << RUN_COUNT_SHIFT) | least;
        prev = -2; // no pfn follows it: index 0 starts a run
        for (int i = 0, j = 0; i < 512; i++) {
            long pfn = pfnAt.applyAsLong(i);
            if (pfn != prev + 1) {
                long w = ((long) i << RUN_DELTA_BITS) | (pfn - least);
                r[1 + (j >>> 1)] |= w << ((j & 1) << 5);
                j++;
            }
            prev = pfn;
        }
        return r;
    }

    /**
     * Installs run-length slot {@code s} (every page present, see {@link #runs}); the caller holds the
     * slot's PTL and the slot is empty. One run of 512 contiguous small pages becomes an extent.
     */
    void installRuns(int s, long[] r) {
        if (nrRuns(r) == 1) {
            base[s] = runPfn(r, 0, 0);
            return;
        }
        if (runs == null) {
            synchronized (this) {
                if (runs == null) {
                    runs = new long[base.length][];
                }
            }
        }
        runs[s] = r;
    }

    /** Expands a run-length slot to the packed form, for code that edits single PTEs. */
    void materialise(int s) {
        if (hasRuns(s)) {
            ensurePtes(s);
        }
    }

    int[] ensurePtes(int s) {
        if (ptes == null) {
            synchronized (this) {
                if (ptes == null) {
                    ptes = new int[base.length][];
                }
            }
        }
        if (hasRuns(s)) {
            long[] r = runs[s];
            int[] p = new int[512];
            for (int j = 0; j < nrRuns(r); j++) {
                for (int i = runStart(r, j); i < runEnd(r, j); i++) {
                    p[i] = (int) (runPfn(r, j, i) + 1);
                }
            }
            ptes[s] = p;
            runs[s] = null;
        }
        if (ptes[s] == null) {
            ptes[s] = new int[512];
            if (base[s] != NONE) {
                for (int i = 0; i < 512; i++) {
                    ptes[s][i] = (int) (base[s] + i + 1);
                }
                base[s] = NONE;
            }
        }
        return ptes[s];
    }

    boolean slotEmpty(int s) {
        if (base[s] != NONE || hasRuns(s)) {
            return false;
        }
        if (ptes == null || ptes[s] == null) {
            return true;
        }
        for (int v : ptes[s]) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Installs a huge leaf ({@code set_pmd_at} / {@code set_huge_pte_at} under the page-table lock)
     * if slot {@code s} is still empty; false when another task installed one meanwhile (the caller
     * then drops its folio, as after {@code pmd_none} fails under the lock).
     */
    boolean installLeaf(int s, long head, SpinLock ptl) {
        ptl.lock();
        try {
            if (!slotEmpty(s)) {
                return false;
            }
            base[s] = head;
            if (ptes != null) {
                ptes[s] = null;
            }
            return true;
        } finally {
            ptl.unlock();
        }
    }

    /**
     * Runs a full slot may keep instead of its packed PTEs: the run form is taken whenever it costs at
     * most half the packed one (4 bytes a run as a PTE), so at most 2 bytes a page. A slot of a
     * fragmented layout is a few dozen runs between other users' pages, about half a byte a page.
     */
    static final int MAX_RUNS = 256;

    /**
     * A full slot of 512 physically contiguous small pages becomes an extent; a full slot of at most
     * {@link #MAX_RUNS} contiguous runs becomes run-length. Partly populated slots stay packed.
     */
    void compact(int s, PhysicalMemory pm) {
        int[] p = ptes[s];
        if (p[0] == 0) {
            return;
        }
        int nrRuns = 1;
        for (int i = 1; i < 512; i++) {
            if (p[i] == 0) {
                return;
            }
            if (p[i] - p[i - 1] != 1 && ++nrRuns > MAX_RUNS) {
                return;
            }
        }
        long first = Integer.toUnsignedLong(p[0]) - 1;
        if (nrRuns == 1) {
            if (pm.folioOrder(first) != 0 || pm.folioOrder(first + 511) != 0) {
                return;
            }
            base[s] = first;
            ptes[s] = null;
            return;
        }
        long[] r = runsOf(i -> Integer.toUnsignedLong(p[i]) - 1); // read in place: no 4 KiB copy per slot
        if (r == null) {
            return;
        }
        installRuns(s, r); // before the packed form goes: a walk without the PTL always finds the pages
        ptes[s] = null;
    }

    long heapBytes() {
        long b = 48 + 16 + 8L * base.length;
        if (ptes != null) {
            b += 16 + 4L * ptes.length;
            for (int[] p : ptes) {
                if (p != null) {
                    b += 16 + 4L * p.length;
                }
            }
        }
        if (runs != null) {
            b += 16 + 4L * runs.length;
            for (long[] r : runs) {
                if (r != null) {
                    b += 16 + 8L * r.length;
                }
            }
        }
        return b;
    }
}
