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
 * leaves: one run per per-CPU list refill, {@link ZeroPageCow}) is kept as its runs, 8 bytes per
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
     * Run-length slots: {@code runs[s][j] = (firstPteIndex << RUN_SHIFT) | pfn}, ascending indices,
     * the first at 0; run j maps pages {@code [index_j, index_{j+1})} (the last to 511) to
     * consecutive pfns. Every page of such a slot is present. Created like {@link #ptes}.
     */
    volatile long[][] runs;
    static final int RUN_SHIFT = 48;
    private static final long RUN_PFN_MASK = (1L << RUN_SHIFT) - 1;

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
            int j = runOf(r, i);
            return (r[j] & RUN_PFN_MASK) + i - (int) (r[j] >>> RUN_SHIFT);
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

    /** Index of the run of {@code r} that holds PTE index {@code i}. */
    static int runOf(long[] r, int i) {
        int lo = 0;
        int hi = r.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if ((int) (r[mid] >>> RUN_SHIFT) <= i) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Pfn of PTE index {@code i} of run-length slot {@code r}, given the run {@code j} holding it. */
    static long runPfn(long[] r, int j, int i) {
        return (r[j] & RUN_PFN_MASK) + i - (int) (r[j] >>> RUN_SHIFT);
    }

    /** First PTE index past run {@code j}. */
    static int runEnd(long[] r, int j) {
        return j + 1 < r.length ? (int) (r[j + 1] >>> RUN_SHIFT) : 512;
    }

    static long runEntry(int firstIndex, long pfn) {
        return ((long) firstIndex << RUN_SHIFT) | pfn;
    }

    /**
     * Installs run-length slot {@code s} (every page present, see {@link #runs}); the caller holds the
     * slot's PTL and the slot is empty. One run of 512 contiguous small pages becomes an extent.
     */
    void installRuns(int s, long[] r) {
        if (r.length == 1) {
            base[s] = r[0] & RUN_PFN_MASK;
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
            for (int j = 0; j < r.length; j++) {
                for (int i = (int) (r[j] >>> RUN_SHIFT); i < runEnd(r, j); i++) {
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
     * most half the packed one (8 bytes a run against 4 a PTE), so at most 2 bytes a page. A slot of
     * a fragmented layout is a few dozen runs between other users' pages, about a byte a page.
     */
    static final int MAX_RUNS = 128;

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
        long[] r = new long[nrRuns];
        r[0] = runEntry(0, first);
        for (int i = 1, j = 1; i < 512; i++) {
            if (p[i] - p[i - 1] != 1) {
                r[j++] = runEntry(i, Integer.toUnsignedLong(p[i]) - 1);
            }
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
