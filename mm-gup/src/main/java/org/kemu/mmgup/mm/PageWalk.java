package org.kemu.mmgup.mm;

import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.PfnmapLookup;
import org.kemu.mmgup.VmaKind;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * Page-table walks ({@code follow_page_mask}, {@code follow_pfnmap_start}): reading what a VMA maps,
 * one leaf table (2 MiB, or a 1 GiB hugetlb leaf) at a time, the unit GUP and faults work in.
 * Nothing here takes a lock; callers hold what the kernel's callers hold.
 */
public final class PageWalk {
    private static final long PAGE = MmConstants.PAGE_SIZE;

    private PageWalk() {
    }

    /** {@code vma_lookup()}: the VMA of {@code mm} containing {@code addr}, or null. */
    public static VmaImpl findVma(MmStruct mm, long addr) {
        return ((MmStructImpl) mm).findVma(addr);
    }

    /**
     * The page-table lock GUP's slow walk takes for the leaf at {@code va}: {@code huge_pte_lock()} of a
     * hugetlb page, {@code pmd_lock()} of a huge PMD leaf (THP), else the PTE page's lock
     * ({@code pte_offset_map_lock()} in {@code follow_page_pte()}).
     */
    public static org.kemu.schedfair.SpinLock leafLock(MmStruct mm, VmaImpl v, long va, boolean hugeLeaf) {
        MmStructImpl m = (MmStructImpl) mm;
        if (v.kind.isHugetlb()) {
            return m.hugePteLock(v.kind.pageOrder(), va);
        }
        return hugeLeaf ? m.pmdLock(va) : m.pteLock(va);
    }

    /** Pages from {@code va} to the end of its leaf table (2 MiB) or huge leaf, within the VMA, capped. */
    public static int segmentPages(VmaImpl v, long va, long max) {
        long slot = v.pt == null ? PAGE << v.pfnmapOrder : 1L << v.pt.slotShift;
        long end = Math.min(v.end, (va & -slot) + slot);
        return (int) Math.min(max, (end - va) >>> 12);
    }

    /** Fills {@code out[off..]} with the pfns of up to {@code n} pages from {@code va}; returns the present prefix. */
    public static int readPfns(VmaImpl v, long va, int n, long[] out, int off) {
        PageTable pt = v.pt;
        int s = pt.slotOf(va);
        long b = pt.base[s];
        if (b != PageTable.NONE) {
            long first = b + ((va & ((1L << pt.slotShift) - 1)) >>> 12);
            for (int i = 0; i < n; i++) {
                out[off + i] = first + i;
            }
            return n;
        }
        int o = PageTable.pteIndex(va);
        if (pt.hasRuns(s)) {
            long[] r = pt.runs[s];
            // run by run: each run's pages are consecutive pfns from its first
            int i = 0;
            for (int j = PageTable.runOf(r, o); i < n; j++) {
                int m = Math.min(n - i, PageTable.runEnd(r, j) - (o + i));
                long first = PageTable.runPfn(r, j, o + i);
                for (int k = 0; k < m; k++) {
                    out[off + i + k] = first + k;
                }
                i += m;
            }
            return n;
        }
        int[] p = pt.ptes == null ? null : pt.ptes[s];
        if (p == null) {
            return 0;
        }
        for (int i = 0; i < n; i++) {
            int e = p[o + i];
            if (e == 0) {
                return i;
            }
            out[off + i] = Integer.toUnsignedLong(e) - 1;
        }
        return n;
    }

    /** The pfn mapped at {@code addr}, or -1: a walk without locks, for checks and tests. */
    static long followPfn(MmStruct mm, long addr) {
        VmaImpl v = findVma(mm, addr);
        if (v == null) {
            return -1;
        }
        if (v.kind == VmaKind.PFNMAP) {
            return v.pfnBase + ((addr - v.start) >>> 12);
        }
        return v.pt.pfnAt(addr);
    }

    /** {@code follow_pfnmap_start()} (mm/memory.c) on a VM_PFNMAP mapping; the caller holds the mmap lock. */
    static PfnmapLookup followPfnmap(MmStruct mm, long addr, boolean write) {
        VmaImpl v = findVma(mm, addr);
        KernelException.require(v != null && v.kind == VmaKind.PFNMAP, Errno.EFAULT, "follow_pfnmap:not_pfnmap",
                "no VM_PFNMAP mapping at 0x" + Long.toHexString(addr));
        KernelException.require(!write || v.writable, Errno.EFAULT, "follow_pfnmap:write",
                "write to a read-only PFNMAP entry");
        long idx = (addr - v.start) >>> 12;
        long level = 1L << v.pfnmapOrder;
        long pfn = v.pfnBase + idx;
        return new PfnmapLookup(pfn, level - (pfn & (level - 1)), v.writable);
    }
}
