package org.kemu.mmgup.mm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.UnmapRegion;
import org.kemu.mmgup.VmaKind;
import org.kemu.mmgup.phys.PhysicalMemoryImpl;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;

/**
 * VMAs (mm/mmap.c, mm/vma.c): mmap with the hugetlb reservation it takes, munmap with VMA splits
 * ({@code __split_vma}, {@code __split_huge_pmd}) and the zap of what is unmapped
 * ({@code unmap_page_range}), and {@code exit_mmap}. All under the mmap lock held for write.
 */
final class Mmap {
    private static final long PAGE = MmConstants.PAGE_SIZE;

    private final Kernel kernel;
    private final PhysicalMemoryImpl pm;
    private final MmCosts costs;
    /** Numbers the hugetlb mappings in mmap order: their identity for the fault mutex hash. */
    private final AtomicLong hugetlbMappings = new AtomicLong();

    Mmap(Kernel kernel, PhysicalMemoryImpl pm) {
        this.kernel = kernel;
        this.pm = pm;
        this.costs = pm.costs();
    }

    /** {@code mmap()} of anonymous or hugetlbfs memory; see {@link org.kemu.mmgup.AddressSpaces#mmap}. */
    long mmap(MmStruct mm, long addr, long len, VmaKind kind, boolean write) {
        KernelException.require(kind != VmaKind.PFNMAP, Errno.EINVAL, "mmap:pfnmap",
                "anonymous mmap cannot be PFNMAP; use mmapPfn");
        return doMmap((MmStructImpl) mm, addr, len, kind, write, -1, 0);
    }

    /** A device mmap ({@code remap_pfn_range}); see {@link org.kemu.mmgup.AddressSpaces#mmapPfn}. */
    long mmapPfn(MmStruct mm, long len, long basePfn, boolean write, int levelOrder) {
        KernelException.require(levelOrder == 0 || levelOrder == MmConstants.PMD_ORDER
                || levelOrder == MmConstants.PUD_ORDER, Errno.EINVAL, "remap_pfn_range:level", "bad level");
        KernelException.require(basePfn >= 0 && (basePfn & ((1L << levelOrder) - 1)) == 0, Errno.EINVAL,
                "remap_pfn_range:pfn_align", "pfn not aligned to the leaf size");
        return doMmap((MmStructImpl) mm, 0, len, VmaKind.PFNMAP, write, basePfn, levelOrder);
    }

    private long doMmap(MmStructImpl mm, long addr, long len, VmaKind kind, boolean write, long pfnBase,
            int pfnOrder) {
        KernelException.require(len > 0, Errno.EINVAL, "mmap:len_zero", "length is 0");
        long leaf = kind == VmaKind.PFNMAP ? PAGE << pfnOrder : PAGE << kind.pageOrder();
        KernelException.require(len <= MmConstants.TASK_SIZE_MAX, Errno.ENOMEM, "mmap:len_overflow",
                "length larger than the address space");
        len = (len + leaf - 1) & -leaf;
        KernelException.require((addr & (leaf - 1)) == 0, Errno.EINVAL, "mmap:addr_align",
                "address not aligned to the page size of the mapping");
        KernelException.require(addr == 0 || addr <= MmConstants.TASK_SIZE_MAX - len, Errno.ENOMEM,
                "mmap:addr_range", "range past TASK_SIZE");
        mm.mmapLock().downWriteKillable();
        try {
            KernelException.require(!mm.exited, Errno.EFAULT, "mmap:mm_exited", "mm has exited");
            if (addr != 0) {
                KernelException.require(free(mm, addr, len), Errno.EEXIST, "mmap:fixed_noreplace",
                        "range overlaps an existing mapping");
            } else {
                long align = Math.max(leaf, len >= MmConstants.PMD_SIZE ? MmConstants.PMD_SIZE : PAGE);
                addr = findGap(mm, len, align);
                KernelException.require(addr >= 0, Errno.ENOMEM, "mmap:no_space", "no free range of " + len);
            }
            VmaImpl v = new VmaImpl(addr, addr + len, kind, write, pfnBase, pfnOrder);
            if (kind != VmaKind.PFNMAP) {
                v.pt = new PageTable(kind == VmaKind.HUGETLB_1G ? 30 : 21, addr, addr + len);
            }
            if (kind.isHugetlb()) {
                long n = len / leaf;
                boolean ok;
                // hugetlb_reserve_pages() of a private mapping: an empty reserve map (every page reserved)
                v.resv = new HugetlbResvMap(hugetlbMappings.incrementAndGet());
                pm.meta().lock();
                try {
                    ok = !FailNth.shouldFail(kernel, "mm:hugetlb_reserve_pages")
                            && pm.hugetlb().reserveHugetlbLocked(kind.pageOrder(), n);
                    if (ok) {
                        pm.hugetlb().addMapping(v);
                    }
                } finally {
                    pm.meta().unlock();
                }
                KernelException.require(ok, Errno.ENOMEM, "hugetlb_reserve_pages",
                        "hugetlb pool cannot reserve " + n + " pages");
            }
            mm.vmas.put(addr, v);
            return addr;
        } finally {
            mm.mmapLock().upWrite();
        }
    }

    private static boolean free(MmStructImpl mm, long addr, long len) {
        Map.Entry<Long, VmaImpl> below = mm.vmas.floorEntry(addr + len - 1);
        return below == null || below.getValue().end <= addr;
    }

    private static long findGap(MmStructImpl mm, long len, long align) {
        long cand = (MmConstants.MMAP_BASE + align - 1) & -align;
        for (VmaImpl v : mm.vmas.values()) {
            if (v.end <= cand) {
                continue;
            }
            if (v.start >= cand + len) {
                break;
            }
            cand = (v.end + align - 1) & -align;
        }
        return cand <= MmConstants.TASK_SIZE_MAX - len ? cand : -1;
    }

    /** {@code munmap()}: splits VMAs at the range's edges and zaps what lies inside. */
    void munmap(MmStruct mmApi, long addr, long len) {
        MmStructImpl mm = (MmStructImpl) mmApi;
        long end = checkUnmapRange(addr, len);
        mm.mmapLock().downWriteKillable();
        try {
            detach(mm, addr, end).finish();
        } finally {
            mm.mmapLock().upWrite();
        }
    }

    /** {@link org.kemu.mmgup.AddressSpaces#detachRange}: the caller holds the mmap lock for write. */
    UnmapRegion detachRange(MmStruct mmApi, long addr, long len) {
        MmStructImpl mm = (MmStructImpl) mmApi;
        long end = checkUnmapRange(addr, len);
        mm.mmapLock().assertWriteHeld();
        return detach(mm, addr, end);
    }

    /** __do_munmap's argument checks; the page-aligned end. */
    private static long checkUnmapRange(long addr, long len) {
        KernelException.require((addr & (PAGE - 1)) == 0, Errno.EINVAL, "munmap:addr_align", "unaligned address");
        KernelException.require(len > 0, Errno.EINVAL, "munmap:len_zero", "length is 0");
        KernelException.require(len <= MmConstants.TASK_SIZE_MAX && addr <= MmConstants.TASK_SIZE_MAX - len,
                Errno.EINVAL, "munmap:range", "range past TASK_SIZE");
        return addr + ((len + PAGE - 1) & -PAGE);
    }

    /** Splits the VMAs at the range's edges and unlinks those inside ({@code detach_vmas_to_be_unmapped}). */
    private DetachedRegion detach(MmStructImpl mm, long addr, long end) {
        List<VmaImpl> hit = overlapping(mm, addr, end);
        for (VmaImpl v : hit) {
            if (v.kind.isHugetlb() || v.kind == VmaKind.PFNMAP) {
                long leaf = v.kind == VmaKind.PFNMAP ? PAGE : v.leafSize();
                KernelException.require((v.start >= addr || (addr & (leaf - 1)) == 0)
                        && (v.end <= end || (end & (leaf - 1)) == 0), Errno.EINVAL,
                        "munmap:hugetlb_split", "split of " + v + " off its page size");
            }
        }
        List<VmaImpl> detached = new ArrayList<>(hit.size());
        for (VmaImpl v : hit) {
            VmaImpl mid = v;
            if (mid.start < addr) {
                mid = split(mm, mid, addr);
            }
            if (mid.end > end) {
                split(mm, mid, end);
            }
            mm.vmas.remove(mid.start);
            detached.add(mid);
        }
        return new DetachedRegion(this, mm, addr, end, detached);
    }

    private static List<VmaImpl> overlapping(MmStructImpl mm, long start, long end) {
        List<VmaImpl> out = new ArrayList<>();
        Long from = mm.vmas.floorKey(start);
        for (VmaImpl v : mm.vmas.tailMap(from == null ? start : from, true).values()) {
            if (v.start >= end) {
                break;
            }
            if (v.end > start) {
                out.add(v);
            }
        }
        return out;
    }

    /** Splits {@code v} at {@code x}; {@code v} keeps {@code [start, x)}; returns the new right part. */
    private VmaImpl split(MmStructImpl mm, VmaImpl v, long x) {
        long pfnBase = v.kind == VmaKind.PFNMAP ? v.pfnBase + ((x - v.start) >>> 12) : -1;
        VmaImpl r = new VmaImpl(x, v.end, v.kind, v.writable, pfnBase, v.pfnmapOrder);
        if (v.pt != null) {
            PageTable old = v.pt;
            PageTable lp = new PageTable(old.slotShift, v.start, x);
            PageTable rp = new PageTable(old.slotShift, x, v.end);
            long slotSize = 1L << old.slotShift;
            for (int s = 0; s < old.base.length; s++) {
                long a = old.firstSlot + s;
                long sStart = a << old.slotShift;
                if (sStart < x && sStart + slotSize > x) {
                    old.materialise(s);
                }
                int[] p = old.ptes == null ? null : old.ptes[s];
                if (sStart + slotSize <= x) {
                    copySlot(old, s, lp, lp.slotOf(sStart));
                } else if (sStart >= x) {
                    copySlot(old, s, rp, rp.slotOf(sStart));
                } else {
                    if (old.base[s] != PageTable.NONE && pm.folioOrder(old.base[s]) > 0) {
                        // __split_huge_pmd: each of the 512 PTEs now holds a reference on the folio.
                        pm.meta().lock();
                        try {
                            pm.refs().addRefsLocked(old.base[s], 1, 0, MmConstants.PMD_PAGES - 1, 0);
                        } finally {
                            pm.meta().unlock();
                        }
                    }
                    if (old.base[s] != PageTable.NONE || p != null) {
                        p = old.ensurePtes(s);
                        int cut = PageTable.pteIndex(x);
                        int[] left = p.clone();
                        int[] right = p.clone();
                        Arrays.fill(left, cut, 512, 0);
                        Arrays.fill(right, 0, cut, 0);
                        lp.ensurePtes(lp.slotOf(sStart));
                        lp.ptes[lp.slotOf(sStart)] = left;
                        rp.ensurePtes(rp.slotOf(x));
                        rp.ptes[rp.slotOf(x)] = right;
                    }
                }
            }
            v.pt = lp;
            r.pt = rp;
            if (v.kind.isHugetlb()) {
                // hugetlb_vm_op_open: both parts share the reserve map, each covering its own indices
                r.resv = v.resv;
                r.hugePgoff = v.hugeIndex(x);
                pm.hugetlb().addMapping(r);
            }
        }
        v.end = x;
        mm.vmas.put(r.start, r);
        return r;
    }

    private static void copySlot(PageTable from, int s, PageTable to, int t) {
        to.base[t] = from.base[s];
        if (from.hasRuns(s)) {
            to.installRuns(t, from.runs[s]);
        }
        if (from.ptes != null && from.ptes[s] != null) {
            to.ensurePtes(t);
            to.ptes[t] = from.ptes[s];
        }
    }

    /** Drops the mapping's references on every page of {@code v} and closes it; the VMA is already unlinked. */
    private void zap(VmaImpl v) {
        if (v.pt == null) {
            return;
        }
        zapSlots(v, 0, v.pt.base.length);
        closeVma(v);
    }

    /**
     * {@code zap_page_range} over page-table slots {@code [from, to)} of an unlinked VMA: drops the
     * mapping's references, charging the zap costs per 512 slots. Returns what was unmapped.
     */
    UnmapRegion.Zapped zapSlots(VmaImpl v, int from, int to) {
        PageTable pt = v.pt;
        long allPtePages = 0;
        long allFolios = 0;
        long allFolioPages = 0;
        for (int c = from; c < to; c += 512) {
            long pages = 0;
            long folios = 0;
            int lastNode = 0;
            pm.meta().lock();
            try {
                for (int s = c; s < Math.min(to, c + 512); s++) {
                    pt.materialise(s);
                    long b = pt.base[s];
                    if (b != PageTable.NONE) {
                        lastNode = pm.nodeOf(b);
                        if (v.kind.isHugetlb() || pm.folioOrder(b) > 0) {
                            pm.refs().addRefsLocked(b, 1, 0, -1, 0);
                            folios++;
                            allFolioPages += 1L << (pt.slotShift - 12);
                        } else {
                            dropSmallRun(b, MmConstants.PMD_PAGES);
                            pages += MmConstants.PMD_PAGES;
                        }
                        pt.base[s] = PageTable.NONE;
                    } else if (pt.ptes != null && pt.ptes[s] != null) {
                        int[] p = pt.ptes[s];
                        int i = 0;
                        while (i < 512) {
                            if (p[i] == 0) {
                                i++;
                                continue;
                            }
                            long pfn = Integer.toUnsignedLong(p[i]) - 1;
                            if (pm.folioOrder(pfn) > 0) {
                                pm.refs().addRefsLocked(pfn, 1, 0, -1, 0);
                                pages++;
                                i++;
                                continue;
                            }
                            int j = i + 1;
                            while (j < 512 && p[j] != 0 && Integer.toUnsignedLong(p[j]) - 1 == pfn + (j - i)
                                    && ((pfn + (j - i)) & 511) != 0) {
                                j++;
                            }
                            pm.refs().addRefsLocked(pfn, j - i, -1, 0, 0);
                            pages += j - i;
                            i = j;
                        }
                        pt.ptes[s] = null;
                    }
                }
            } finally {
                pm.meta().unlock();
            }
            if (pages + folios > 0) {
                kernel.work(pages * costs.zapPageNs() + folios * costs.zapFolioNs(), 0, 0);
            }
            allPtePages += pages;
            allFolios += folios;
        }
        return new UnmapRegion.Zapped(allPtePages, allFolios, allFolioPages);
    }

    /** {@code remove_vma()}: a hugetlb VMA gives back its unconsumed reservations and leaves its pool's list. */
    void closeVma(VmaImpl v) {
        if (v.kind.isHugetlb()) {
            // hugetlb_vm_op_close: give back the reservations of this VMA's range not consumed by a fault
            long held = v.reservedUnfaulted();
            if (held > 0) {
                pm.meta().lock();
                try {
                    pm.hugetlb().unreserveHugetlbLocked(v.kind.pageOrder(), held);
                } finally {
                    pm.meta().unlock();
                }
            }
            pm.hugetlb().removeMapping(v);
        }
    }

    private void dropSmallRun(long pfn, int n) {
        while (n > 0) {
            int r = pm.refs().runEnd(pfn, n);
            pm.refs().addRefsLocked(pfn, r, -1, 0, 0);
            pfn += r;
            n -= r;
        }
    }

    /** {@code exit_mmap()}: zaps every VMA and marks the mm exited. */
    void exitMmap(MmStruct mmApi) {
        MmStructImpl mm = (MmStructImpl) mmApi;
        mm.mmapLock().downWrite();
        try {
            List<VmaImpl> all = new ArrayList<>(mm.vmas.values());
            mm.vmas.clear();
            for (VmaImpl v : all) {
                zap(v);
            }
            mm.pgtables.freeAll(); // free_pgtables over every VMA
            mm.exited = true;
        } finally {
            mm.mmapLock().upWrite();
        }
    }
}
