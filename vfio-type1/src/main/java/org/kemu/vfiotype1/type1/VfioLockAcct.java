package org.kemu.vfiotype1.type1;

import org.kemu.mmgup.LockedVm;
import org.kemu.mmgup.MmStruct;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.PinLocking;

/**
 * locked_vm accounting of drivers/vfio/vfio_iommu_type1.c: {@code vfio_lock_acct()}, patch 8's
 * per-thread cache (refill and return) and {@code vfio_change_dma_owner()} (docs/kernel/vfio-gup.md section 1.9).
 * With {@link PinLocking#atomicLockedVm()} every charge is the 2018 ktask series' atomic one (no mmap
 * lock, {@link LockedVm#accountLockedVmAtomic}).
 */
record VfioLockAcct(Kernel kernel, LockedVm lockedVm, long lockAcctNs, Type1Counters counters, PinLocking locking) {
    /** fail-nth point of {@code mmap_write_lock_killable()} in {@code vfio_lock_acct()} for a charge (EINTR). */
    static final String FAIL_LOCK_ACCT = "vfio_lock_acct:mmap_write_lock_killable";

    /**
     * {@code vfio_lock_acct(dma, npage, async)}: {@code mmap_write_lock_killable(dma->mm)} (EINTR),
     * {@code __account_locked_vm(mm, |npage|, npage > 0, dma->task, dma->lock_cap)} (ENOMEM over
     * RLIMIT_MEMLOCK without CAP_IPC_LOCK), then {@code dma->locked_vm += npage}. With {@code async}
     * an exited owner is skipped (ESRCH, ignored by every caller).
     */
    void lockAcct(VfioDma dma, long npage, boolean async) {
        if (npage == 0) {
            return;
        }
        MmStruct mm = dma.mm();
        if (mm == null || (async && mm.exited())) {
            return;
        }
        if (locking.atomicLockedVm()) {
            // ktask v4 08/13 "vfio: remove unnecessary mmap_sem writer to reduce contention": the same
            // accounting work, with no mmap_write_lock_killable() (so no EINTR point either)
            counters.lockAcctAtomicCalls.incrementAndGet();
            kernel.work(lockAcctNs);
            lockedVm.accountLockedVmAtomic(mm, Math.abs(npage), npage > 0, mm.rlimitMemlock(), dma.lockCap());
            dma.addLockedVm(npage);
            return;
        }
        if (npage > 0 && FailNth.shouldFail(kernel, FAIL_LOCK_ACCT)) {
            throw new KernelException(Errno.EINTR, FAIL_LOCK_ACCT, "fail-nth: mmap_write_lock_killable");
        }
        counters.lockAcctCalls.incrementAndGet();
        mm.mmapLock().downWriteKillable();
        try {
            kernel.work(lockAcctNs);
            counters.lockAcctNs.addAndGet(lockAcctNs);
            lockedVm.accountLockedVmLocked(mm, Math.abs(npage), npage > 0, mm.rlimitMemlock(), dma.lockCap());
            dma.addLockedVm(npage);
        } finally {
            mm.mmapLock().upWrite();
        }
    }

    /** Patch 8: pre-charge the cache; ENOMEM leaves it empty (not fatal), other errors are. */
    void refillCache(VfioDma dma, LockCache cache, long pages) {
        if (pages <= 0) {
            return;
        }
        try {
            lockAcct(dma, pages, false);
            cache.pages += pages;
            counters.lockCacheRefills.incrementAndGet();
        } catch (KernelException e) {
            if (e.errno() != Errno.ENOMEM) {
                throw e;
            }
            counters.lockCacheRefillFailures.incrementAndGet();
        }
    }

    /** Returns a chunk's leftover cache to locked_vm (end of the chunk, success or not). */
    void returnCache(VfioDma dma, LockCache cache) {
        if (cache != null && cache.pages > 0) {
            long left = cache.pages;
            cache.pages = 0;
            lockAcct(dma, -left, false);
        }
    }

    /**
     * {@code vfio_change_dma_owner()}: charge {@code dma->locked_vm} to the current task's mm first
     * (ENOMEM leaves everything as it was), then uncharge the old mm if it still exists, then switch
     * task, mm and lock_cap (docs/kernel/vfio-gup.md section 1.9).
     */
    void changeDmaOwner(VfioDma dma) {
        MmStruct newMm = kernel.current().attachment(MmStruct.class);
        if (newMm == null) {
            throw new KernelException(Errno.ENODEV, "vfio_change_dma_owner:no_mm", "current->mm is NULL");
        }
        boolean cap = newMm.capIpcLock();
        MmStruct oldMm = dma.mm();
        long npage = dma.lockedVm();
        if (newMm != oldMm && npage > 0 && locking.atomicLockedVm()) {
            lockedVm.accountLockedVmAtomic(newMm, npage, true, newMm.rlimitMemlock(), cap);
            if (oldMm != null && !oldMm.exited()) {
                lockedVm.accountLockedVmAtomic(oldMm, npage, false, oldMm.rlimitMemlock(), dma.lockCap());
            }
        } else if (newMm != oldMm && npage > 0) {
            newMm.mmapLock().downWriteKillable();
            try {
                lockedVm.accountLockedVmLocked(newMm, npage, true, newMm.rlimitMemlock(), cap);
            } finally {
                newMm.mmapLock().upWrite();
            }
            if (oldMm != null && !oldMm.exited()) {
                oldMm.mmapLock().downWrite();
                try {
                    lockedVm.accountLockedVmLocked(oldMm, npage, false, oldMm.rlimitMemlock(), dma.lockCap());
                } finally {
                    oldMm.mmapLock().upWrite();
                }
            }
        }
        dma.changeOwner(kernel.current().tgid(), cap, newMm);
    }
}
