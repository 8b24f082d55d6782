package org.kemu.mmgup.mm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmCosts;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.PfnmapLookup;
import org.kemu.mmgup.VmaKind;
import org.kemu.mmgup.Zone;
import org.kemu.mmgup.phys.PhysicalMemoryImpl;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.SpinLock;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;

/**
 * The default address-space implementation. Faults are handled a page-table leaf at a time (up to
 * 512 small pages, or one huge folio): one allocation under the zone lock, one clearing work item on
 * the page's node and one PTL hold per leaf table, each charging the per-page cost times the pages
 * handled. The kernel does the same steps per 4 KiB fault; batching them keeps emulation cheap
 * while the costs and the lock traffic per page stay the kernel's.
 */
public final class MmImpl implements AddressSpaces {
    private static final long PAGE = MmConstants.PAGE_SIZE;

    private final Kernel kernel;
    private final PhysicalMemoryImpl pm;
    private final MmCosts costs;

    public MmImpl(Kernel kernel, PhysicalMemoryImpl pm) {
        this.kernel = kernel;
        this.pm = pm;
        this.costs = pm.costs();
    }

    public PhysicalMemoryImpl physicalMemory() {
        return pm;
    }

    static MmStructImpl impl(MmStruct mm) {
        return (MmStructImpl) mm;
    }

    @Override
    public MmStruct mmCreate(String name, long rlimitMemlockBytes, boolean capIpcLock) {
        KernelException.require(rlimitMemlockBytes >= 0, Errno.EINVAL, "setrlimit:memlock", "negative limit");
        return new MmStructImpl(kernel, name, rlimitMemlockBytes, capIpcLock);
    }

    private int currentNode() {
        return kernel.topology().nodeOf(Math.max(0, kernel.current().cpu()));
    }

    // ---- mmap / munmap --------------------------------------------------------------------------

    @Override
    public long mmap(MmStruct mm, long addr, long len, VmaKind kind, boolean write) {
        KernelException.require(kind != VmaKind.PFNMAP, Errno.EINVAL, "mmap:pfnmap",
                "anonymous mmap cannot be PFNMAP; use mmapPfn");
        return doMmap(impl(mm), addr, len, kind, write, -1, 0);
    }

    @Override
    public long mmapPfn(MmStruct mm, long len, long basePfn, boolean write, int levelOrder) {
        KernelException.require(levelOrder == 0 || levelOrder == MmConstants.PMD_ORDER
                || levelOrder == MmConstants.PUD_ORDER, Errno.EINVAL, "remap_pfn_range:level", "bad level");
        KernelException.require(basePfn >= 0 && (basePfn & ((1L << levelOrder) - 1)) == 0, Errno.EINVAL,
                "remap_pfn_range:pfn_align", "pfn not aligned to the leaf size");
        return doMmap(impl(mm), 0, len, VmaKind.PFNMAP, write, basePfn, levelOrder);
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
                pm.meta().lock();
                try {
                    ok = !FailNth.shouldFail(kernel, "mm:hugetlb_reserve_pages")
                            && pm.hugetlb().reserveHugetlbLocked(kind.pageOrder(), n);
                } finally {
                    pm.meta().unlock();
                }
                KernelException.require(ok, Errno.ENOMEM, "hugetlb_reserve_pages",
                        "hugetlb pool cannot reserve " + n + " pages");
                v.resvLeft = n;
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

    @Override
    public void munmap(MmStruct mmApi, long addr, long len) {
        MmStructImpl mm = impl(mmApi);
        KernelException.require((addr & (PAGE - 1)) == 0, Errno.EINVAL, "munmap:addr_align", "unaligned address");
        KernelException.require(len > 0, Errno.EINVAL, "munmap:len_zero", "length is 0");
        KernelException.require(len <= MmConstants.TASK_SIZE_MAX && addr <= MmConstants.TASK_SIZE_MAX - len,
                Errno.EINVAL, "munmap:range", "range past TASK_SIZE");
        long end = addr + ((len + PAGE - 1) & -PAGE);
        mm.mmapLock().downWriteKillable();
        try {
            List<VmaImpl> hit = overlapping(mm, addr, end);
            for (VmaImpl v : hit) {
                if (v.kind.isHugetlb() || v.kind == VmaKind.PFNMAP) {
                    long leaf = v.kind == VmaKind.PFNMAP ? PAGE : v.leafSize();
                    KernelException.require((v.start >= addr || (addr & (leaf - 1)) == 0)
                            && (v.end <= end || (end & (leaf - 1)) == 0), Errno.EINVAL,
                            "munmap:hugetlb_split", "split of " + v + " off its page size");
                }
            }
            for (VmaImpl v : hit) {
                VmaImpl mid = v;
                if (mid.start < addr) {
                    mid = split(mm, mid, addr);
                }
                if (mid.end > end) {
                    split(mm, mid, end);
                }
                mm.vmas.remove(mid.start);
                zap(mid);
            }
        } finally {
            mm.mmapLock().upWrite();
        }
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
                        java.util.Arrays.fill(left, cut, 512, 0);
                        java.util.Arrays.fill(right, 0, cut, 0);
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
                long leftUnfaulted = 0;
                for (long b : lp.base) {
                    if (b == PageTable.NONE) {
                        leftUnfaulted++;
                    }
                }
                long l = Math.min(v.resvLeft, leftUnfaulted);
                r.resvLeft = v.resvLeft - l;
                v.resvLeft = l;
            }
        }
        v.end = x;
        mm.vmas.put(r.start, r);
        return r;
    }

    private static void copySlot(PageTable from, int s, PageTable to, int t) {
        to.base[t] = from.base[s];
        if (from.ptes != null && from.ptes[s] != null) {
            to.ensurePtes(t);
            to.ptes[t] = from.ptes[s];
        }
    }

    /** Drops the mapping's references on every page of {@code v}; the VMA is already unlinked. */
    private void zap(VmaImpl v) {
        if (v.pt == null) {
            return;
        }
        PageTable pt = v.pt;
        int slots = pt.base.length;
        for (int c = 0; c < slots; c += 512) {
            long pages = 0;
            long folios = 0;
            int lastNode = 0;
            pm.meta().lock();
            try {
                for (int s = c; s < Math.min(slots, c + 512); s++) {
                    long b = pt.base[s];
                    if (b != PageTable.NONE) {
                        lastNode = pm.nodeOf(b);
                        if (v.kind.isHugetlb() || pm.folioOrder(b) > 0) {
                            pm.refs().addRefsLocked(b, 1, 0, -1, 0);
                            folios++;
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
        }
        if (v.kind.isHugetlb() && v.resvLeft > 0) {
            pm.meta().lock();
            try {
                pm.hugetlb().unreserveHugetlbLocked(v.kind.pageOrder(), v.resvLeft);
            } finally {
                pm.meta().unlock();
            }
            v.resvLeft = 0;
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

    @Override
    public void exitMmap(MmStruct mmApi) {
        MmStructImpl mm = impl(mmApi);
        mm.mmapLock().downWrite();
        try {
            List<VmaImpl> all = new ArrayList<>(mm.vmas.values());
            mm.vmas.clear();
            for (VmaImpl v : all) {
                zap(v);
            }
            mm.exited = true;
        } finally {
            mm.mmapLock().upWrite();
        }
    }

    // ---- page-table queries ---------------------------------------------------------------------

    public VmaImpl findVma(MmStruct mm, long addr) {
        return impl(mm).findVma(addr);
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
        int[] p = pt.ptes == null ? null : pt.ptes[s];
        if (p == null) {
            return 0;
        }
        int o = PageTable.pteIndex(va);
        for (int i = 0; i < n; i++) {
            int e = p[o + i];
            if (e == 0) {
                return i;
            }
            out[off + i] = Integer.toUnsignedLong(e) - 1;
        }
        return n;
    }

    @Override
    public long followPfn(MmStruct mm, long addr) {
        VmaImpl v = impl(mm).findVma(addr);
        if (v == null) {
            return -1;
        }
        if (v.kind == VmaKind.PFNMAP) {
            return v.pfnBase + ((addr - v.start) >>> 12);
        }
        return v.pt.pfnAt(addr);
    }

    @Override
    public PfnmapLookup followPfnmap(MmStruct mm, long addr, boolean write) {
        VmaImpl v = impl(mm).findVma(addr);
        KernelException.require(v != null && v.kind == VmaKind.PFNMAP, Errno.EFAULT, "follow_pfnmap:not_pfnmap",
                "no VM_PFNMAP mapping at 0x" + Long.toHexString(addr));
        KernelException.require(!write || v.writable, Errno.EFAULT, "follow_pfnmap:write",
                "write to a read-only PFNMAP entry");
        long idx = (addr - v.start) >>> 12;
        long level = 1L << v.pfnmapOrder;
        long pfn = v.pfnBase + idx;
        return new PfnmapLookup(pfn, level - (pfn & (level - 1)), v.writable);
    }

    // ---- faults ---------------------------------------------------------------------------------

    /**
     * Faults in every missing page of {@code [va, va + n)}, a range inside one leaf table of {@code v}
     * (from {@link #segmentPages}); the caller holds the mmap lock for read. ENOMEM when memory runs out.
     */
    public void faultIn(MmStruct mmApi, VmaImpl v, long va, int n, boolean write) {
        MmStructImpl mm = impl(mmApi);
        if (v.kind.isHugetlb()) {
            hugetlbFault(mm, v, va);
            return;
        }
        PageTable pt = v.pt;
        int s = pt.slotOf(va);
        if (pt.base[s] != PageTable.NONE) {
            return;
        }
        long slotStart = (pt.firstSlot + s) << pt.slotShift;
        boolean fullSlot = slotStart >= v.start && slotStart + MmConstants.PMD_SIZE <= v.end;
        int nid = currentNode();
        if (v.kind == VmaKind.ANON_THP && fullSlot && pt.slotEmpty(s)) {
            if (thpFault(mm, pt, s, slotStart, nid)) {
                return;
            }
        }
        int o = PageTable.pteIndex(va);
        int[] p = pt.ptes == null ? null : pt.ptes[s];
        int missing = 0;
        for (int i = o; i < o + n; i++) {
            if (p == null || p[i] == 0) {
                missing++;
            }
        }
        if (missing == 0) {
            return;
        }
        long[] fresh = new long[missing];
        allocSmall(nid, true, fresh, "mm:alloc_pages");
        clear(fresh, missing, costs.faultNs() + costs.clearPageNs());
        SpinLock ptl = mm.ptl(slotStart);
        ptl.lock();
        List<Long> dup = null;
        try {
            kernel.work(missing * costs.ptlInstallPageNs());
            int[] q = pt.ensurePtes(s);
            int k = 0;
            for (int i = o; i < o + n; i++) {
                if (p == null || p[i] == 0) {
                    if (q[i] == 0) {
                        q[i] = (int) (fresh[k] + 1);
                    } else {
                        // Another task faulted the page in meanwhile: ours goes back (as after pte_same fails).
                        if (dup == null) {
                            dup = new ArrayList<>();
                        }
                        dup.add(fresh[k]);
                    }
                    k++;
                }
            }
            if (fullSlot) {
                compact(pt, s);
            }
        } finally {
            ptl.unlock();
        }
        if (dup != null) {
            pm.meta().lock();
            try {
                for (long d : dup) {
                    pm.refs().addRefsLocked(d, 1, -1, 0, 0);
                }
            } finally {
                pm.meta().unlock();
            }
        }
        pm.events().countFaults(missing - (dup == null ? 0 : dup.size()), 0, 0);
    }

    private boolean thpFault(MmStructImpl mm, PageTable pt, int s, long slotStart, int nid) {
        KernelException.require(!FailNth.shouldFail(kernel, "mm:alloc_pages"), Errno.ENOMEM, "mm:alloc_pages",
                "fail-nth: THP allocation");
        long head;
        SpinLock zl = pm.zoneLock(nid);
        zl.lock();
        try {
            kernel.work(costs.allocFolioNs());
            pm.meta().lock();
            try {
                head = pm.largeFolioAlloc().allocThpLocked(nid, true);
            } finally {
                pm.meta().unlock();
            }
        } finally {
            zl.unlock();
        }
        if (head < 0) {
            pm.events().countFaults(0, 0, 1);
            return false;
        }
        kernel.work(costs.hugeFaultNs() + MmConstants.PMD_PAGES * costs.clearPageNs(), pm.nodeOf(head),
                MmConstants.PMD_SIZE);
        SpinLock ptl = mm.ptl(slotStart);
        boolean installed;
        ptl.lock();
        try {
            installed = pt.slotEmpty(s);
            if (installed) {
                pt.base[s] = head;
                if (pt.ptes != null) {
                    pt.ptes[s] = null;
                }
            }
        } finally {
            ptl.unlock();
        }
        if (!installed) {
            pm.meta().lock();
            try {
                pm.refs().addRefsLocked(head, 1, 0, -1, 0);
            } finally {
                pm.meta().unlock();
            }
            return false;
        }
        pm.events().countFaults(MmConstants.PMD_PAGES, 1, 0);
        return true;
    }

    private void hugetlbFault(MmStructImpl mm, VmaImpl v, long va) {
        PageTable pt = v.pt;
        int s = pt.slotOf(va);
        if (pt.base[s] != PageTable.NONE) {
            return;
        }
        int order = v.kind.pageOrder();
        KernelException.require(!FailNth.shouldFail(kernel, "mm:alloc_hugetlb_folio"), Errno.ENOMEM,
                "mm:alloc_hugetlb_folio", "fail-nth: hugetlb allocation");
        long head;
        pm.meta().lock();
        try {
            head = pm.hugetlb().allocHugetlbLocked(currentNode(), order);
        } finally {
            pm.meta().unlock();
        }
        KernelException.require(head >= 0, Errno.ENOMEM, "hugetlb_fault:no_page", "hugetlb pool is empty");
        if (v.resvLeft > 0) {
            v.resvLeft--;
        }
        long pages = 1L << order;
        kernel.work(costs.hugeFaultNs() + pages * costs.clearPageNs(), pm.nodeOf(head), pages * PAGE);
        long slotStart = (pt.firstSlot + s) << pt.slotShift;
        SpinLock ptl = mm.ptl(slotStart);
        boolean installed;
        ptl.lock();
        try {
            installed = pt.base[s] == PageTable.NONE;
            if (installed) {
                pt.base[s] = head;
            }
        } finally {
            ptl.unlock();
        }
        if (!installed) {
            pm.meta().lock();
            try {
                pm.refs().addRefsLocked(head, 1, 0, -1, 0);
            } finally {
                pm.meta().unlock();
            }
            return;
        }
        pm.events().countFaults(pages, 0, 0);
    }

    /** Allocates {@code out.length} small pages (refcount 1) under the zone lock, or throws ENOMEM leaving none. */
    private void allocSmall(int nid, boolean movable, long[] out, String site) {
        int k = out.length;
        KernelException.require(!FailNth.shouldFail(kernel, site), Errno.ENOMEM, site, "fail-nth: page allocation");
        int got;
        SpinLock zl = pm.zoneLock(nid);
        zl.lock();
        try {
            kernel.work(k * costs.allocPageNs());
            pm.meta().lock();
            try {
                got = pm.pageAlloc().allocSmallLocked(nid, movable, k, out, 0);
                if (got < k) {
                    for (int i = 0; i < got; i++) {
                        pm.refs().addRefsLocked(out[i], 1, -1, 0, 0);
                    }
                }
            } finally {
                pm.meta().unlock();
            }
        } finally {
            zl.unlock();
        }
        KernelException.require(got == k, Errno.ENOMEM, site + ":oom", "out of memory: wanted " + k + " pages");
    }

    /** Charges clearing (or copying) of the pages in {@code pfns[0..n)}: one work item per node touched. */
    private void clear(long[] pfns, int n, long nsPerPage) {
        int nodes = pm.nrNodes();
        if (nodes == 1) {
            kernel.work(n * nsPerPage, 0, n * PAGE);
            return;
        }
        long[] perNode = new long[nodes];
        for (int i = 0; i < n; i++) {
            perNode[pm.nodeOf(pfns[i])]++;
        }
        for (int nd = 0; nd < nodes; nd++) {
            if (perNode[nd] > 0) {
                kernel.work(perNode[nd] * nsPerPage, nd, perNode[nd] * PAGE);
            }
        }
    }

    /** A full slot of 512 physically contiguous small pages becomes an extent. */
    private void compact(PageTable pt, int s) {
        int[] p = pt.ptes[s];
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
        pt.base[s] = first;
        pt.ptes[s] = null;
    }

    /**
     * FOLL_LONGTERM: migrates the pages of {@code [va, va + n)} that sit in ZONE_MOVABLE to
     * ZONE_NORMAL (check_and_migrate_movable_pages). A page with references beyond its mapping
     * (already pinned) cannot move: ENOMEM, as migrate_pages() failing makes it.
     */
    public void migrateMovable(MmStruct mmApi, VmaImpl v, long va, int n) {
        if (v.kind.isHugetlb()) {
            return;
        }
        MmStructImpl mm = impl(mmApi);
        PageTable pt = v.pt;
        int s = pt.slotOf(va);
        long slotStart = (pt.firstSlot + s) << pt.slotShift;
        long b = pt.base[s];
        if (b != PageTable.NONE && pm.folioOrder(b) > 0) {
            if (pm.zoneOf(b) != Zone.MOVABLE) {
                return;
            }
            migrateThp(mm, pt, s, slotStart, b);
            return;
        }
        long[] cur = new long[n];
        readPfns(v, va, n, cur, 0);
        int o = PageTable.pteIndex(va);
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (pm.zoneOf(cur[i]) == Zone.MOVABLE) {
                if (pm.folioOrder(cur[i]) != 0 || pm.refcount(cur[i]) != 1) {
                    pm.events().countMigrations(0, 1);
                    throw new KernelException(Errno.ENOMEM, "migrate_pages:busy",
                            "page " + cur[i] + " has extra references and cannot migrate");
                }
                k++;
            }
        }
        if (k == 0) {
            return;
        }
        int nid = pm.nodeOf(cur[0]);
        long[] fresh = new long[k];
        allocSmall(nid, false, fresh, "mm:alloc_migration_target");
        clear(fresh, k, costs.migratePageNs());
        // The copy reads the old page and writes the new one: twice the bytes.
        kernel.work(0, nid, k * PAGE);
        long[] old = new long[k];
        SpinLock ptl = mm.ptl(slotStart);
        ptl.lock();
        try {
            int[] q = pt.ensurePtes(s);
            int j = 0;
            for (int i = 0; i < n; i++) {
                if (pm.zoneOf(cur[i]) == Zone.MOVABLE) {
                    old[j] = cur[i];
                    q[o + i] = (int) (fresh[j] + 1);
                    j++;
                }
            }
            if (slotStart >= v.start && slotStart + MmConstants.PMD_SIZE <= v.end) {
                compact(pt, s);
            }
        } finally {
            ptl.unlock();
        }
        pm.meta().lock();
        try {
            for (long p : old) {
                pm.refs().addRefsLocked(p, 1, -1, 0, 0);
            }
        } finally {
            pm.meta().unlock();
        }
        pm.events().countMigrations(k, 0);
    }

    private void migrateThp(MmStructImpl mm, PageTable pt, int s, long slotStart, long head) {
        if (pm.refcount(head) != 1 || pm.pincount(head) != 0) {
            pm.events().countMigrations(0, MmConstants.PMD_PAGES);
            throw new KernelException(Errno.ENOMEM, "migrate_pages:busy", "THP " + head + " is pinned");
        }
        KernelException.require(!FailNth.shouldFail(kernel, "mm:alloc_migration_target"), Errno.ENOMEM,
                "mm:alloc_migration_target", "fail-nth: migration target");
        int nid = pm.nodeOf(head);
        long fresh;
        pm.meta().lock();
        try {
            fresh = pm.largeFolioAlloc().allocThpLocked(nid, false);
        } finally {
            pm.meta().unlock();
        }
        if (fresh < 0) {
            pm.events().countMigrations(0, MmConstants.PMD_PAGES);
            throw new KernelException(Errno.ENOMEM, "migrate_pages:no_target", "no THP in ZONE_NORMAL");
        }
        kernel.work(MmConstants.PMD_PAGES * costs.migratePageNs(), pm.nodeOf(fresh), 2 * MmConstants.PMD_SIZE);
        SpinLock ptl = mm.ptl(slotStart);
        ptl.lock();
        try {
            pt.base[s] = fresh;
        } finally {
            ptl.unlock();
        }
        pm.meta().lock();
        try {
            pm.refs().addRefsLocked(head, 1, 0, -1, 0);
        } finally {
            pm.meta().unlock();
        }
        pm.events().countMigrations(MmConstants.PMD_PAGES, 0);
    }

    // ---- populate and prefault ------------------------------------------------------------------

    @Override
    public void populate(MmStruct mm, long addr, long len, boolean write) {
        KernelException.require((addr & (PAGE - 1)) == 0, Errno.EINVAL, "madvise:addr_align", "unaligned address");
        long end = addr + ((len + PAGE - 1) & -PAGE);
        mm.mmapLock().downRead();
        try {
            faultRange(mm, addr, end, write);
        } finally {
            mm.mmapLock().upRead();
        }
    }

    /** Faults in {@code [addr, end)} leaf table by leaf table; the caller holds the mmap lock for read. */
    private void faultRange(MmStruct mm, long addr, long end, boolean write) {
        long va = addr;
        while (va < end) {
            if (kernel.fatalSignalPending()) {
                throw new KernelException(Errno.EINTR, "populate:fatal_signal", "fatal signal pending");
            }
            VmaImpl v = findVma(mm, va);
            KernelException.require(v != null, Errno.ENOMEM, "madvise:unmapped",
                    "no mapping at 0x" + Long.toHexString(va));
            KernelException.require(v.kind != VmaKind.PFNMAP, Errno.EFAULT, "populate:vm_pfnmap",
                    "cannot populate a PFNMAP mapping");
            KernelException.require(!write || v.writable, Errno.EFAULT, "populate:vm_write",
                    "write fault on a read-only mapping");
            int seg = segmentPages(v, va, (end - va) >>> 12);
            faultIn(mm, v, va, seg, write);
            va += (long) seg << 12;
        }
    }

    @Override
    public void prefault(MmStruct mm, long addr, long len, int nrThreads) {
        KernelException.require(nrThreads >= 1, Errno.EINVAL, "prefault:threads", "need at least one thread");
        KernelException.require((addr & (PAGE - 1)) == 0, Errno.EINVAL, "prefault:addr_align", "unaligned address");
        long pages = (len + PAGE - 1) >>> 12;
        long tgid = kernel.current().tgid();
        KernelException[] error = new KernelException[1];
        List<Task> threads = new ArrayList<>();
        long per = pages / nrThreads;
        long extra = pages % nrThreads;
        long va = addr;
        for (int t = 0; t < nrThreads; t++) {
            long n = per + (t < extra ? 1 : 0);
            if (n == 0) {
                continue;
            }
            long from = va;
            long to = va + (n << 12);
            va = to;
            Task task = kernel.spawn(TaskSpec.user("touch_pages#" + t, tgid), () -> {
                try {
                    long cur = from;
                    while (cur < to) {
                        long next = Math.min(to, (cur & -MmConstants.PMD_SIZE) + MmConstants.PMD_SIZE);
                        mm.mmapLock().downRead();
                        try {
                            faultRange(mm, cur, next, true);
                        } finally {
                            mm.mmapLock().upRead();
                        }
                        cur = next;
                        kernel.condResched();
                    }
                } catch (KernelException e) {
                    if (error[0] == null) {
                        error[0] = e;
                    }
                }
            }, child -> child.attach(MmStruct.class, mm));
            threads.add(task);
        }
        for (Task t : threads) {
            kernel.join(t);
        }
        if (error[0] != null) {
            throw error[0];
        }
    }
}
