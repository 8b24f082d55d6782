package org.kemu.vfiotype1.type1;

import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.Foll;
import org.kemu.mmgup.Gup;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.PfnmapLookup;
import org.kemu.mmgup.PhysicalMemory;
import org.kemu.mmgup.Vma;
import org.kemu.mmgup.VmaKind;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.Type1Costs;

/**
 * The page side of drivers/vfio/vfio_iommu_type1.c: {@code vaddr_get_pfns()},
 * {@code vfio_pin_pages_remote()}, {@code vfio_unpin_pages_remote()}, {@code put_pfn()} and
 * {@code vfio_batch_unpin()} (docs/kernel/vfio-gup.md sections 1.6, 1.8). The run
 * builder has two forms: 5.14's page-by-page walk (per-page cost) and v6.18's
 * {@code num_pages_contiguous()} steps (per-step cost); they pin and charge the same pages.
 * {@code readLockPerRun} is ktask v4 09/13: {@code vfio_pin_pages_remote()} takes the mmap lock for
 * read once around its whole run and {@code vaddr_get_pfns()} runs under it without taking it.
 */
record VfioPinPages(Kernel kernel, PhysicalMemory pm, AddressSpaces mms, Gup gup, VfioLockAcct vfioLockAcct,
        Type1Costs costs, boolean folioBatched, boolean disableHugepages, Type1Counters counters,
        boolean readLockPerRun) {
    /** One contiguous run: {@code npage} pages from {@code pfnBase}, all reserved or all normal. */
    record Run(long pfnBase, long npage, boolean rsvd) {
    }

    /**
     * {@code vaddr_get_pfns()}: {@code pin_user_pages_remote(FOLL_LONGTERM [| FOLL_WRITE])} of at most
     * the batch capacity under the mmap read lock; 0 pinned is EFAULT. When GUP fails on a VM_PFNMAP
     * mapping, the pfn is looked up: an invalid/reserved pfn yields the pages to the end of its leaf
     * (capped at {@code npages}) with the batch left empty; a normal page there is EFAULT. Returns
     * the count; {@code pfnOut[0]} gets the first pfn. The time spent in GUP is counted by whether
     * the first page had to be faulted in (faulting and clearing) or was present.
     */
    long vaddrGetPfns(MmStruct mm, long vaddr, long npages, boolean write, VfioBatch batch, long[] pfnOut) {
        long req = Math.min(npages, batch.capacity);
        int flags = Foll.LONGTERM | (write ? Foll.WRITE : 0);
        counters.batchRefills.incrementAndGet();
        if (readLockPerRun) {
            // ktask v4 09/13: the caller holds it across the run (vaddr_get_pfn(..., handle_mmap_sem = false))
            mm.mmapLock().assertHeld();
        } else {
            counters.mmapReadLocks.incrementAndGet();
            mm.mmapLock().downRead();
        }
        try {
            KernelException gupErr;
            long ret;
            boolean faulting = mms.followPfn(mm, vaddr) < 0;
            long t0 = kernel.now();
            try {
                ret = gup.pinUserPagesRemote(mm, vaddr, req, flags, batch.pages);
                gupErr = ret == 0 ? new KernelException(Errno.EFAULT, "vaddr_get_pfns:pinned_none",
                        "pin_user_pages_remote pinned nothing at 0x" + Long.toHexString(vaddr)) : null;
            } catch (KernelException e) {
                ret = 0;
                gupErr = e;
            } finally {
                (faulting ? counters.faultClearNs : counters.gupNs).addAndGet(kernel.now() - t0);
            }
            if (ret > 0) {
                batch.size = (int) ret;
                batch.offset = 0;
                pfnOut[0] = batch.pages[0];
                counters.pagesPinned.addAndGet(ret);
                return ret;
            }
            Vma vma = mm.vmaLookup(vaddr);
            if (vma != null && vma.kind() == VmaKind.PFNMAP) {
                PfnmapLookup l = mms.followPfnmap(mm, vaddr, write);
                if (!pm.isInvalidReserved(l.pfn())) {
                    throw new KernelException(Errno.EFAULT, "vaddr_get_pfns:pfnmap_normal_page",
                            "VM_PFNMAP pfn " + l.pfn() + " has a struct page");
                }
                pfnOut[0] = l.pfn();
                return Math.min(npages, l.pagesToLevelEnd());
            }
            throw gupErr;
        } finally {
            if (!readLockPerRun) {
                mm.mmapLock().upRead();
            }
        }
    }

    /**
     * {@code vfio_pin_pages_remote(dma, vaddr, npage, &pfn_base, limit, mm, batch)}: the largest run
     * starting at {@code vaddr} that is physically contiguous and of one reserved-ness, starting from
     * the batch's leftovers; refills with {@code cond_resched()} first; the RLIMIT_MEMLOCK check per
     * step (skipped while the lock cache has pages, patch 8); one {@code vfio_lock_acct()} for the
     * run. Patch 8 draws each page from the lock cache while it lasts and counts the rest into the
     * run's charge; only the chunk loop refills it (vfio_pin_map_dma_chunk). On any error everything
     * pinned in this call and the rest of the batch are unpinned, pages drawn from the cache go back
     * to it, and the error is thrown.
     */
    Run pinPagesRemote(VfioDma dma, MmStruct mm, long vaddr, long npage, long limit, VfioBatch batch,
            LockCache cache) {
        if (mm == null) {
            throw new KernelException(Errno.ENODEV, "vfio_pin_pages_remote:no_mm", "current->mm is NULL");
        }
        counters.runs.incrementAndGet();
        boolean folio = folioBatched;
        long pendingNs = costs.runNs();
        // struct page bytes the pending per-page steps read, and the node they stream from
        long memmapBytes = 0;
        int memmapNode = 0;
        long[] pfnBox = new long[1];
        boolean haveBase = false;
        long pfnBase = 0;
        long pfn = 0;
        boolean rsvd = false;
        long pinned = 0;
        long lockAcct = 0;
        long drawn = 0;
        if (batch.size != 0) {
            pfnBase = batch.current();
            pfn = pfnBase;
            rsvd = pm.isInvalidReserved(pfnBase);
            haveBase = true;
        }
        if (disableHugepages) {
            npage = 1;
        }
        boolean useCache = cache != null && cache.enabled();
        boolean readHeld = false;
        if (readLockPerRun) {
            // ktask v4 09/13: one down_read() for the run instead of one per GUP batch
            counters.mmapReadLocks.incrementAndGet();
            mm.mmapLock().downRead();
            readHeld = true;
        }
        try {
            outer:
            while (npage > 0) {
                if (batch.size == 0) {
                    kernel.work(pendingNs + costs.batchRefillNs(), memmapNode, memmapBytes);
                    pendingNs = 0;
                    memmapBytes = 0;
                    kernel.condResched();
                    long ret = vaddrGetPfns(mm, vaddr, npage, dma.prot().writable(), batch, pfnBox);
                    pfn = pfnBox[0];
                    if (!haveBase) {
                        pfnBase = pfn;
                        rsvd = pm.isInvalidReserved(pfnBase);
                        haveBase = true;
                    }
                    if (batch.size == 0) {
                        // PFNMAP: no pages to hold, later pfns of the leaf implied contiguous
                        if (pfn != pfnBase + pinned || rsvd != pm.isInvalidReserved(pfn)) {
                            break;
                        }
                        pinned += ret;
                        npage -= ret;
                        vaddr += ret << MmConstants.PAGE_SHIFT;
                        counters.reservedPages.addAndGet(ret);
                        continue;
                    }
                }
                while (true) {
                    if (pfn != pfnBase + pinned || rsvd != pm.isInvalidReserved(pfn)) {
                        break outer;
                    }
                    int nr;
                    if (folio) {
                        nr = batch.numPagesContiguous();
                        pendingNs += costs.contigStepNs() + costs.contigScanPageNs() * nr;
                    } else {
                        // 5.14 walks one page at a time; the steps are the same pages, charged per page.
                        // Each step's is_invalid_reserved_pfn() reads the page's own struct page
                        // (PageReserved is PF_NO_COMPOUND: the tail's flags, not the head's): one cache
                        // line per 4 KiB page from the node whose memmap holds it (sparse vmemmap is
                        // allocated on the section's node). After follow_hugetlb_page, which touches only
                        // the head, the line is cold here; a per-4 KiB GUP walk (follow_page_pte,
                        // follow_trans_huge_pmd's compound_head) missed on it moments earlier in the same
                        // batch, so the one line per page is charged once, here. The folio form tests the
                        // first pfn of a run only.
                        nr = batch.numPagesContiguous();
                        pendingNs += costs.pinPageNs() * nr;
                        if (!rsvd) {
                            int node = pm.nodeOf(pfn);
                            if (memmapBytes > 0 && node != memmapNode) {
                                kernel.work(pendingNs, memmapNode, memmapBytes);
                                pendingNs = 0;
                                memmapBytes = 0;
                            }
                            memmapNode = node;
                            memmapBytes += (long) MmConstants.STRUCT_PAGE_SIZE * nr;
                        }
                    }
                    if (!rsvd) {
                        long acct = nr;
                        if (useCache) {
                            // patch 8: draw while the cache lasts; past it the pages count into
                            // lock_acct, charged at the end of the run (the chunk loop refills)
                            long d = cache.draw(acct);
                            drawn += d;
                            acct -= d;
                        }
                        if (acct > 0) {
                            if (!dma.lockCap() && mm.lockedVm() + lockAcct + acct > limit) {
                                throw new KernelException(Errno.ENOMEM, "vfio_pin_pages_remote:rlimit",
                                        "RLIMIT_MEMLOCK (" + (limit << MmConstants.PAGE_SHIFT) + ") exceeded");
                            }
                            lockAcct += acct;
                        }
                    }
                    pinned += nr;
                    npage -= nr;
                    vaddr += (long) nr << MmConstants.PAGE_SHIFT;
                    batch.consume(nr);
                    if (batch.size == 0) {
                        break;
                    }
                    pfn = batch.current();
                }
            }
            kernel.work(pendingNs, memmapNode, memmapBytes);
            pendingNs = 0;
            memmapBytes = 0;
            if (rsvd) {
                dma.markHasRsvd();
            }
            if (readHeld) {
                // up_read() at "out:", before vfio_lock_acct()
                readHeld = false;
                mm.mmapLock().upRead();
            }
            vfioLockAcct.lockAcct(dma, lockAcct, false);
        } catch (KernelException e) {
            if (readHeld) {
                readHeld = false;
                mm.mmapLock().upRead();
            }
            kernel.work(pendingNs, memmapNode, memmapBytes);
            if (pinned > 0 && !rsvd) {
                putPfnRange(dma, pfnBase, pinned);
            }
            batchUnpin(dma, batch);
            if (cache != null) {
                cache.pages += drawn;
            }
            throw e;
        } finally {
            if (readHeld) {
                // an unchecked failure (a stopped run) still leaves the lock as it found it
                mm.mmapLock().upRead();
            }
        }
        counters.runPages.recordValue(pinned);
        if (!rsvd && pinned > 0) {
            // a run is physically contiguous, so its first pfn's node is the run's; the CPU is the one
            // the task ends the run on
            counters.pinnedOnNodes(kernel.numaNodeId(), pm.nodeOf(pfnBase), pinned);
        }
        return new Run(pfnBase, pinned, rsvd);
    }

    /**
     * {@code vfio_unpin_pages_remote()} without accounting: with reserved pfns in the dma, pfn by pfn
     * ({@code put_pfn()}, reserved ones skipped and not counted); otherwise one
     * {@code unpin_user_page_range_dirty_lock()} (the 2025 form) or, in 5.14 form, the same pages
     * one {@code put_pfn()} at a time (charged per page in one item). Returns pages to uncharge.
     */
    long unpinPagesRemote(VfioDma dma, long pfn, long npage) {
        if (npage == 0) {
            return 0;
        }
        counters.unpinCalls.incrementAndGet();
        boolean dirty = dma.prot().writable();
        long unlocked;
        if (dma.hasRsvd()) {
            kernel.work(costs.unpinCallNs() + costs.putPfnPageNs() * npage);
            unlocked = unpinSkippingReserved(pfn, npage, dirty);
        } else {
            kernel.work(costs.unpinCallNs() + (folioBatched ? 0 : costs.putPfnPageNs() * npage));
            unpinRange(pfn, npage, dirty);
            unlocked = npage;
        }
        counters.pagesUnpinned.addAndGet(unlocked);
        return unlocked;
    }

    /**
     * The unpin of a run without reserved pfns: 5.14's {@code put_pfn()} loop, one unpin per page, or
     * the 2025 form's single {@code unpin_user_page_range_dirty_lock()}, one per folio.
     */
    private void unpinRange(long pfn, long npage, boolean dirty) {
        if (folioBatched) {
            gup.unpinUserPageRangeDirtyLock(pfn, npage, dirty);
        } else {
            gup.unpinUserPagesEach(pfn, npage, dirty);
        }
    }

    /** Non-reserved stretches of {@code [pfn, pfn + npage)} unpinned by put_pfn; returns their pages. */
    private long unpinSkippingReserved(long pfn, long npage, boolean dirty) {
        boolean firstRsvd = pm.isInvalidReserved(pfn);
        if (firstRsvd == pm.isInvalidReserved(pfn + npage - 1)) {
            // runs never mix reserved and normal pfns; a chunk of one kind at both ends is one kind
            if (firstRsvd) {
                return 0;
            }
            unpinRange(pfn, npage, dirty);
            return npage;
        }
        long unlocked = 0;
        long start = -1;
        for (long p = pfn; p < pfn + npage; p++) {
            boolean r = pm.isInvalidReserved(p);
            if (!r && start < 0) {
                start = p;
            } else if (r && start >= 0) {
                unpinRange(start, p - start, dirty);
                unlocked += p - start;
                start = -1;
            }
        }
        if (start >= 0) {
            unpinRange(start, pfn + npage - start, dirty);
            unlocked += pfn + npage - start;
        }
        return unlocked;
    }

    /** {@code put_pfn()} over a contiguous run of normal pages pinned by the current call. */
    private void putPfnRange(VfioDma dma, long pfn, long n) {
        kernel.work(costs.putPfnPageNs() * n);
        unpinRange(pfn, n, dma.prot().writable());
        counters.pagesUnpinned.addAndGet(n);
    }

    /** {@code vfio_batch_unpin()}: {@code put_pfn()} on every entry left in the batch. */
    void batchUnpin(VfioDma dma, VfioBatch batch) {
        if (batch.size == 0) {
            return;
        }
        int n = batch.size;
        long[] left = new long[n];
        System.arraycopy(batch.pages, batch.offset, left, 0, n);
        kernel.work(costs.putPfnPageNs() * n);
        if (folioBatched) {
            gup.unpinUserPagesDirtyLock(left, n, dma.prot().writable());
        }
        // 5.14: put_pfn() per entry, one unpin_user_pages_dirty_lock(&page, 1) each
        for (int i = 0; !folioBatched && i < n;) {
            int j = i + 1;
            while (j < n && left[j] == left[j - 1] + 1) {
                j++;
            }
            gup.unpinUserPagesEach(left[i], j - i, dma.prot().writable());
            i = j;
        }
        counters.pagesUnpinned.addAndGet(n);
        batch.offset += n;
        batch.size = 0;
    }
}
