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
        if (ptes != null && ptes[s] != null) {
            int v = ptes[s][pteIndex(addr)];
            return v == 0 ? -1 : Integer.toUnsignedLong(v) - 1;
        }
        return -1;
    }

    int[] ensurePtes(int s) {
        if (ptes == null) {
            synchronized (this) {
                if (ptes == null) {
                    ptes = new int[base.length][];
                }
            }
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
        if (base[s] != NONE) {
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

    /** A full slot of 512 physically contiguous small pages becomes an extent. */
    void compact(int s, PhysicalMemory pm) {
        int[] p = ptes[s];
        if (p[0] == 0) {
            return;
        }
        long first = Integer.toUnsignedLong(p[0]) - 1;
        for (int i = 1; i < 512; i++) {
            if (p[i] == 0 || Integer.toUnsignedLong(p[i]) - 1 != first + i) {
                return;
            }
        }
        if (pm.folioOrder(first) != 0 || pm.folioOrder(first + 511) != 0) {
            return;
        }
        base[s] = first;
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
        return b;
    }
}
