package org.kemu.lab.pin;

import org.kemu.lab.VfioPinCosts;
import org.kemu.mmgup.LockedVm;
import org.kemu.mmgup.MmStruct;
import org.kemu.schedfair.Kernel;
import org.kemu.vfiotype1.type1.VfioDma;

/**
 * {@code vfio_lock_acct()} (vfio-gup.md 1.9): charge or uncharge locked_vm under the mmap write lock,
 * and patch 8's per-thread cache, which charges {@code cachePages} ahead and hands them out without
 * the lock.
 */
final class LockAccounting {
    private final Kernel kernel;
    private final LockedVm lockedVm;
    private final MmStruct mm;
    private final VfioPinCosts costs;
    private final PinCounters counters;

    LockAccounting(Kernel kernel, LockedVm lockedVm, MmStruct mm, VfioPinCosts costs, PinCounters counters) {
        this.kernel = kernel;
        this.lockedVm = lockedVm;
        this.mm = mm;
        this.costs = costs;
        this.counters = counters;
    }

    /** Charges (npage > 0) or uncharges under {@code mmap_write_lock}. */
    void lockAcct(VfioDma dma, long npage) {
        if (npage == 0) {
            return;
        }
        rawAcct(npage);
        dma.addLockedVm(npage);
    }

    void rawAcct(long npage) {
        if (npage == 0 || mm.exited()) {
            return;
        }
        long t0 = kernel.now();
        mm.mmapLock().downWrite();
        try {
            kernel.work(costs.lockAcctNs());
            lockedVm.accountLockedVmLocked(mm, Math.abs(npage), npage > 0, mm.rlimitMemlock(), mm.capIpcLock());
        } finally {
            mm.mmapLock().upWrite();
        }
        counters.lockAcctCalls++;
        counters.accountingNs += kernel.now() - t0;
    }

    /** Patch 8's cache of one thread: pre-charged pages not yet handed to a dma. */
    final class Cache {
        private final long cachePages;
        private long left;

        Cache(long cachePages) {
            this.cachePages = cachePages;
        }

        /** Charges {@code npage} for {@code dma}, from the cache when it holds enough. */
        void charge(VfioDma dma, long npage) {
            if (cachePages == 0) {
                lockAcct(dma, npage);
                return;
            }
            if (left < npage) {
                long want = Math.max(cachePages, npage - left);
                rawAcct(want);
                left += want;
            }
            left -= npage;
            dma.addLockedVm(npage);
        }

        /** Returns what is left in the cache (the end of the thread's part of the job). */
        void drain() {
            if (left > 0) {
                rawAcct(-left);
                left = 0;
            }
        }
    }
}
