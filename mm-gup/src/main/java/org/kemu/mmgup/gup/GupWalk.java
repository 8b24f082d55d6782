package org.kemu.mmgup.gup;

import org.kemu.mmgup.Foll;
import org.kemu.mmgup.Gup;
import org.kemu.mmgup.GupCosts;
import org.kemu.mmgup.GupFlavour;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.VmaKind;
import org.kemu.mmgup.Zone;
import org.kemu.mmgup.mm.MigrateMovable;
import org.kemu.mmgup.mm.PageFault;
import org.kemu.mmgup.mm.PageWalk;
import org.kemu.mmgup.mm.MmStructImpl;
import org.kemu.mmgup.mm.VmaImpl;
import org.kemu.mmgup.phys.ModNodeState;
import org.kemu.mmgup.phys.PhysicalMemoryImpl;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.SpinLock;

/**
 * mm/gup.c: the GUP walk (__get_user_pages, gup_fast). It advances one page-table leaf at a time (up
 * to 512 small pages, or one huge folio), faults missing pages in, migrates FOLL_LONGTERM pages out
 * of ZONE_MOVABLE, grabs references per folio run and charges one work item per leaf. The
 * {@link GupFlavour} only decides what that work costs; it is resolved to per-page and per-run
 * rates once, here, so both flavours share every step of the walk.
 */
public final class GupWalk implements Gup {
    private final Kernel kernel;
    private final PageFault pageFault;
    private final MigrateMovable migrateMovable;
    private final PhysicalMemoryImpl pm;
    private final GupCosts costs;
    private final String name;
    /** Walk and grab of small pages and THP leaves: per 4 KiB page, per folio run, and per small page of an anonymous THP leaf. */
    private final long grabPageNs;
    private final long grabRunNs;
    /**
     * Walk and grab of a hugetlb leaf, in both flavours: 5.14's {@code follow_hugetlb_page()} fills the page
     * array with the subpages ({@code record_subpages_vmas}) and takes ONE {@code try_grab_compound_head(head,
     * refs)} per huge page, under {@code huge_pte_lock}: per folio run, and per 4 KiB page written to the array.
     */
    private final long hugetlbRunNs;
    private final long hugetlbPageNs;
    private final long thpWalkPageNs;
    /**
     * One release (5.14 {@code put_compound_head(head, refs, FOLL_PIN)} or the folio form's
     * {@code gup_put_folio}): the unpin functions make one per folio run, since 5.12's
     * {@code for_each_compound_head}/{@code for_each_compound_range} batch the entries of one folio.
     */
    private final long unpinOpNs;
    /** {@code put_page()} on each page in 5.14 form; the folio form releases per run. */
    private final boolean putPerPage;

    public GupWalk(Kernel kernel, PhysicalMemoryImpl pm, PageFault pageFault, MigrateMovable migrateMovable,
            GupCosts costs, GupFlavour flavour) {
        this.kernel = kernel;
        this.pm = pm;
        this.pageFault = pageFault;
        this.migrateMovable = migrateMovable;
        this.costs = costs;
        switch (flavour) {
            case PER_PAGE -> {
                // 5.14: follow_page_mask + try_grab_page for every 4 KiB page, even inside a THP
                // (__get_user_pages resets ctx.page_mask when pages != NULL); hugetlb goes per folio.
                name = "per-page";
                grabPageNs = costs.pageNs() + costs.pageArrayNs();
                grabRunNs = 0;
                thpWalkPageNs = costs.thpPageNs();
                unpinOpNs = costs.unpinPageNs();
                putPerPage = true;
            }
            case FOLIO_BATCHED -> {
                // One try_grab_folio(folio, n) per run; only the page array is written per page.
                name = "folio-batched";
                grabPageNs = costs.pageArrayNs();
                grabRunNs = costs.folioNs();
                thpWalkPageNs = 0;
                unpinOpNs = costs.unpinFolioNs();
                putPerPage = false;
            }
            default -> throw new IllegalArgumentException("unknown GUP flavour " + flavour);
        }
        hugetlbRunNs = costs.folioNs();
        hugetlbPageNs = costs.pageArrayNs();
    }

    /** CPU ns to walk and grab one leaf of {@code pages} pages in {@code runs} folio runs (excluding callNs). */
    private long leafNs(VmaImpl v, long pages, long runs) {
        if (v.kind().isHugetlb()) {
            return runs * hugetlbRunNs + pages * hugetlbPageNs;
        }
        return runs * grabRunNs + pages * grabPageNs + (v.kind() == VmaKind.ANON_THP ? pages * thpWalkPageNs : 0);
    }

    /** CPU ns of {@code ops} releases. */
    private long unpinNs(long ops) {
        return ops * unpinOpNs;
    }

    @Override
    public String name() {
        return name;
    }

    // ---- argument checks (is_valid_gup_args) ----------------------------------------------------

    private static boolean validPinArgs(int flags, long[] out) {
        return out != null && (flags & ~Foll.CALLER_MASK) == 0 && !Foll.has(flags, Foll.GET);
    }

    private static boolean validGetArgs(int flags, long[] out) {
        return out != null && (flags & ~Foll.CALLER_MASK) == 0 && !Foll.has(flags, Foll.PIN)
                && !Foll.has(flags, Foll.LONGTERM);
    }

    private static void checkOut(long[] out, long nrPages) {
        if (out.length < nrPages) {
            throw new IllegalArgumentException("page array of " + out.length + " for " + nrPages + " pages");
        }
    }

    @Override
    public long pinUserPagesRemote(MmStruct mm, long start, long nrPages, int gupFlags, long[] pfnsOut) {
        // mm/gup.c pin_user_pages_remote(): invalid arguments WARN; 5.14 returns -EINVAL, releases
        // with is_valid_gup_args return 0 (KernelVersion.pinRemoteInvalidArgsReturnZero).
        if (!validPinArgs(gupFlags, pfnsOut)) {
            pm.events().countGupWarning();
            KernelException.require(kernel.kernelVersion().pinRemoteInvalidArgsReturnZero(), Errno.EINVAL,
                    "pin_user_pages_remote:args", "invalid gup flags 0x" + Integer.toHexString(gupFlags));
            return 0;
        }
        KernelException.require(nrPages >= 0, Errno.EINVAL, "gup:nr_pages", "negative page count");
        checkOut(pfnsOut, nrPages);
        mm.mmapLock().assertHeld();
        return gupLocked(mm, start & -MmConstants.PAGE_SIZE, nrPages, gupFlags | Foll.PIN, pfnsOut, 0, true);
    }

    @Override
    public long getUserPages(MmStruct mm, long start, long nrPages, int gupFlags, long[] pfnsOut) {
        KernelException.require(validGetArgs(gupFlags, pfnsOut), Errno.EINVAL, "get_user_pages:args",
                "invalid gup flags 0x" + Integer.toHexString(gupFlags));
        KernelException.require(nrPages >= 0, Errno.EINVAL, "gup:nr_pages", "negative page count");
        checkOut(pfnsOut, nrPages);
        mm.mmapLock().assertHeld();
        return gupLocked(mm, start & -MmConstants.PAGE_SIZE, nrPages, gupFlags | Foll.GET, pfnsOut, 0, false);
    }

    @Override
    public long pinUserPagesFast(long start, long nrPages, int gupFlags, long[] pfnsOut) {
        KernelException.require(validPinArgs(gupFlags, pfnsOut), Errno.EINVAL, "pin_user_pages_fast:args",
                "invalid gup flags 0x" + Integer.toHexString(gupFlags));
        KernelException.require(nrPages >= 0, Errno.EINVAL, "gup:nr_pages", "negative page count");
        if (nrPages == 0) {
            return 0;
        }
        checkOut(pfnsOut, nrPages);
        start &= -MmConstants.PAGE_SIZE;
        KernelException.require(nrPages <= (Long.MAX_VALUE >>> MmConstants.PAGE_SHIFT)
                && start <= Long.MAX_VALUE - (nrPages << MmConstants.PAGE_SHIFT), Errno.EOVERFLOW,
                "gup_fast:overflow", "start + len overflows");
        long end = start + (nrPages << MmConstants.PAGE_SHIFT);
        KernelException.require(end <= MmConstants.TASK_SIZE_MAX, Errno.EFAULT, "gup_fast:task_size",
                "range past TASK_SIZE");
        MmStruct mm = kernel.current().attachment(MmStruct.class);
        KernelException.require(mm != null && !mm.exited(), Errno.EFAULT, "gup_fast:no_mm", "current has no mm");
        int flags = gupFlags | Foll.PIN;
        long done = 0;
        // The lockless walk is emulated by a non-blocking read trylock, so the emulator's VMA tree is
        // never read while a writer changes it; when a writer is around it goes straight to the slow path.
        if (mm.mmapLock().tryDownRead()) {
            try {
                done = fastWalk(mm, start, nrPages, flags, pfnsOut);
            } finally {
                mm.mmapLock().upRead();
            }
        }
        if (done == nrPages) {
            return done;
        }
        mm.mmapLock().downRead();
        try {
            return done + gupLocked(mm, start + (done << MmConstants.PAGE_SHIFT), nrPages - done, flags, pfnsOut,
                    (int) done, true);
        } catch (KernelException e) {
            // gup_fast_fallback: the fast-path pages are returned even when the slow path failed.
            if (done > 0) {
                return done;
            }
            throw e;
        } finally {
            mm.mmapLock().upRead();
        }
    }

    private long fastWalk(MmStruct mm, long start, long nr, int flags, long[] out) {
        long done = 0;
        boolean write = Foll.has(flags, Foll.WRITE);
        boolean charged = false;
        while (done < nr) {
            long va = start + (done << MmConstants.PAGE_SHIFT);
            VmaImpl v = PageWalk.findVma(mm, va);
            if (v == null || v.kind() == VmaKind.PFNMAP || (write && !v.writable())) {
                break;
            }
            int seg = PageWalk.segmentPages(v, va, nr - done);
            int present = PageWalk.readPfns(v, va, seg, out, (int) done);
            if (Foll.has(flags, Foll.LONGTERM)) {
                for (int i = 0; i < present; i++) {
                    if (pm.zoneOf(out[(int) done + i]) == Zone.MOVABLE) {
                        present = i;
                        break;
                    }
                }
            }
            if (present == 0) {
                break;
            }
            long runs = grab(out, (int) done, present, true, true);
            kernel.work((charged ? 0 : costs.callNs()) + leafNs(v, present, runs));
            charged = true;
            done += present;
            if (present < seg) {
                break;
            }
        }
        if (done > 0) {
            ((MmStructImpl) mm).setHasPinned();
            pm.events().countPins(done, 0);
        }
        return done;
    }

    /** __get_user_pages with the mmap lock held: returns pages done, or throws if none. */
    private long gupLocked(MmStruct mm, long start, long nr, int flags, long[] out, int off, boolean pin) {
        if (nr == 0) {
            return 0;
        }
        boolean write = Foll.has(flags, Foll.WRITE);
        long done = 0;
        boolean charged = false;
        try {
            KernelException.require(!mm.exited(), Errno.EFAULT, "gup:mm_exited", "mm has exited");
            while (done < nr) {
                if (kernel.fatalSignalPending()) {
                    throw new KernelException(Errno.EINTR, "gup:fatal_signal", "fatal signal pending");
                }
                long va = start + (done << MmConstants.PAGE_SHIFT);
                VmaImpl v = PageWalk.findVma(mm, va);
                // the messages are built only when a check fails: this runs once per segment of every pin
                if (v == null) {
                    throw new KernelException(Errno.EFAULT, "gup:no_vma", "no mapping at 0x" + Long.toHexString(va));
                }
                // check_vma_flags(): VM_IO | VM_PFNMAP and a write without VM_WRITE are EFAULT.
                if (v.kind() == VmaKind.PFNMAP) {
                    throw new KernelException(Errno.EFAULT, "gup:vm_pfnmap",
                            "VM_PFNMAP mapping at 0x" + Long.toHexString(va));
                }
                if (write && !v.writable() && !Foll.has(flags, Foll.FORCE)) {
                    throw new KernelException(Errno.EFAULT, "gup:vm_write",
                            "write to a read-only mapping at 0x" + Long.toHexString(va));
                }
                int seg = PageWalk.segmentPages(v, va, nr - done);
                int at = off + (int) done;
                int present = PageWalk.readPfns(v, va, seg, out, at);
                boolean last = false;
                if (present < seg) {
                    if (Foll.has(flags, Foll.NOFAULT)) {
                        if (present <= 0) {
                            throw new KernelException(Errno.EFAULT, "gup:nofault",
                                    "page not present at 0x" + Long.toHexString(va + ((long) present << 12)));
                        }
                        seg = present;
                        last = true;
                    } else {
                        pageFault.faultIn(mm, v, va, seg, write);
                        PageWalk.readPfns(v, va, seg, out, at);
                    }
                }
                if (pin && Foll.has(flags, Foll.LONGTERM) && anyMovable(out, at, seg)) {
                    migrateMovable.migrateMovable(mm, v, va, seg);
                    PageWalk.readPfns(v, va, seg, out, at);
                }
                KernelException.require(!FailNth.shouldFail(kernel, "gup:try_grab_folio"), Errno.ENOMEM,
                        "gup:try_grab_folio", "fail-nth: grabbing pages");
                if (!charged) {
                    kernel.work(costs.callNs());
                    charged = true;
                }
                // The leaf's page-table lock is held while its pages are looked up and grabbed:
                // huge_pte_lock once per hugetlb page (follow_hugetlb_page); pmd_lock (1 GiB) for each
                // 4 KiB page of a THP (follow_pmd_mask -> follow_trans_huge_pmd), the PTE page's lock for
                // each small page (follow_page_pte). The per-page acquisitions of one leaf are taken as
                // one hold of the same total length.
                SpinLock ptl = PageWalk.leafLock(mm, v, va, pm.folioOrder(out[at]) > 0);
                ptl.lock();
                try {
                    // follow_hugetlb_page grabs a huge page at once; the THP and small-page walk, per 4 KiB
                    long runs = grab(out, at, seg, pin, v.kind().isHugetlb());
                    kernel.work(leafNs(v, seg, runs));
                } finally {
                    ptl.unlock();
                }
                done += seg;
                if (last) {
                    break;
                }
            }
        } catch (KernelException e) {
            if (done == 0) {
                throw e;
            }
        }
        if (pin) {
            ((MmStructImpl) mm).setHasPinned();
            pm.events().countPins(done, 0);
        }
        return done;
    }

    private boolean anyMovable(long[] out, int at, int n) {
        if (pm.config().movableFraction() == 0) {
            return false;
        }
        for (int i = at; i < at + n; i++) {
            if (pm.zoneOf(out[i]) == Zone.MOVABLE) {
                return true;
            }
        }
        return false;
    }

    /**
     * Takes a pin (or a reference) on each page of {@code out[at, at + n)}; returns the folio runs. A pin counts NR_FOLL_PIN_ACQUIRED as the
     * grab does: once per huge-page run when {@code perFolio} (try_grab_compound_head of the run),
     * else once per 4 KiB page (try_grab_page).
     */
    private long grab(long[] out, int at, int n, boolean pin, boolean perFolio) {
        long runs = 0;
        pm.meta().lock();
        try {
            int i = 0;
            while (i < n) {
                long pfn = out[at + i];
                int len = contiguousRun(out, at + i, n - i);
                boolean large = pm.folioOrder(pfn) > 0;
                pm.refs().addRefsLocked(pfn, len, pin ? MmConstants.GUP_PIN_COUNTING_BIAS : 1, 1, pin ? 1 : 0);
                runs += large ? 1 : len;
                i += len;
            }
        } finally {
            pm.meta().unlock();
        }
        if (pin) {
            countFollPin(pm.follPinAcquired(), out, at, n, perFolio);
        }
        return runs;
    }

    /**
     * mod_node_page_state of a pin counter for the pages {@code pfns[off, off + n)}: one call per
     * folio run with its page count when {@code perFolio} and the run is a large folio, else one call
     * per page.
     */
    private void countFollPin(ModNodeState stat, long[] pfns, int off, int n, boolean perFolio) {
        for (int i = 0; i < n;) {
            int len = contiguousRun(pfns, off + i, n - i);
            countFollPinRun(stat, pfns[off + i], len, perFolio);
            i += len;
        }
    }

    /** The pin counter's calls for one run of {@code len} pages from {@code pfn} (see {@link #countFollPin}). */
    private void countFollPinRun(ModNodeState stat, long pfn, int len, boolean perFolio) {
        if (perFolio && pm.folioOrder(pfn) > 0) {
            stat.mod(pm.nodeOf(pfn), len, 1);
        } else {
            stat.mod(pm.nodeOf(pfn), 1, len);
        }
    }

    /** Length of the run at {@code out[i]}: consecutive pfns within one folio (or one 2 MiB block of small pages). */
    private int contiguousRun(long[] out, int i, int max) {
        long pfn = out[i];
        int r = pm.refs().runEnd(pfn, max);
        int len = 1;
        while (len < r && out[i + len] == pfn + len) {
            len++;
        }
        return len;
    }

    // ---- release --------------------------------------------------------------------------------

    @Override
    public void unpinUserPages(long[] pfns, int n) {
        unpinUserPagesDirtyLock(pfns, n, false);
    }

    @Override
    public void unpinUserPagesDirtyLock(long[] pfns, int n, boolean makeDirty) {
        release(pfns, 0, n, true);
    }

    @Override
    public void putPages(long[] pfns, int n) {
        release(pfns, 0, n, false);
    }

    @Override
    public void unpinUserPageRangeDirtyLock(long firstPfn, long n, boolean makeDirty) {
        releaseRange(firstPfn, n, false);
    }

    @Override
    public void unpinUserPagesEach(long firstPfn, long n, boolean makeDirty) {
        releaseRange(firstPfn, n, true);
    }

    /** Unpins a contiguous range: one release per folio run, or per page when {@code each}. */
    private void releaseRange(long firstPfn, long n, boolean each) {
        if (n <= 0) {
            return;
        }
        long runs = 0;
        pm.meta().lock();
        try {
            for (long p = firstPfn; p < firstPfn + n;) {
                int len = pm.refs().runEnd(p, (int) Math.min(Integer.MAX_VALUE, firstPfn + n - p));
                checkDrop(p, len, true);
                p += len;
            }
            for (long p = firstPfn; p < firstPfn + n;) {
                int len = pm.refs().runEnd(p, (int) Math.min(Integer.MAX_VALUE, firstPfn + n - p));
                runs += pm.folioOrder(p) > 0 ? 1 : len;
                pm.refs().addRefsLocked(p, len, -MmConstants.GUP_PIN_COUNTING_BIAS, -1, -1);
                p += len;
            }
        } finally {
            pm.meta().unlock();
        }
        // unpin_user_page_range_dirty_lock: put_compound_head per folio run; page by page, per page
        for (long p = firstPfn; p < firstPfn + n;) {
            int len = pm.refs().runEnd(p, (int) Math.min(Integer.MAX_VALUE, firstPfn + n - p));
            countFollPinRun(pm.follPinReleased(), p, len, !each);
            p += len;
        }
        pm.events().countPins(0, n);
        kernel.work(unpinNs(each ? n : runs));
    }

    private void checkDrop(long pfn, int len, boolean pin) {
        if (!pm.refs().canDropLocked(pfn, len, pin ? MmConstants.GUP_PIN_COUNTING_BIAS : 1, 1, pin ? 1 : 0)) {
            throw new IllegalStateException((pin ? "unpin" : "put_page") + " of pfn " + pfn
                    + " which holds no " + (pin ? "pin" : "reference"));
        }
    }

    private void release(long[] pfns, int off, int n, boolean pin) {
        if (n <= 0) {
            return;
        }
        long runs = 0;
        pm.meta().lock();
        try {
            for (int i = 0; i < n;) {
                int len = contiguousRun(pfns, off + i, n - i);
                checkDrop(pfns[off + i], len, pin);
                i += len;
            }
            for (int i = 0; i < n;) {
                long pfn = pfns[off + i];
                int len = contiguousRun(pfns, off + i, n - i);
                runs += pm.folioOrder(pfn) > 0 ? 1 : len;
                pm.refs().addRefsLocked(pfn, len, pin ? -MmConstants.GUP_PIN_COUNTING_BIAS : -1, -1, pin ? -1 : 0);
                i += len;
            }
        } finally {
            pm.meta().unlock();
        }
        if (pin) {
            // 5.14's unpin_user_pages*: for_each_compound_head -> put_compound_head(head, ntails)
            countFollPin(pm.follPinReleased(), pfns, off, n, true);
            pm.events().countPins(0, n);
        }
        kernel.work(unpinNs(pin || !putPerPage ? runs : n));
    }
}
