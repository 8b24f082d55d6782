package org.kemu.mmgup.mm;

import org.kemu.mmgup.LockedVm;
import org.kemu.mmgup.MmConstants;
import org.kemu.mmgup.MmStruct;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.FailNth;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelException;

/** mm/util.c {@code account_locked_vm()} / {@code __account_locked_vm()}. */
public final class DefaultLockedVm implements LockedVm {
    private final Kernel kernel;
    private long warnings;

    public DefaultLockedVm(Kernel kernel) {
        this.kernel = kernel;
    }

    @Override
    public void accountLockedVm(MmStruct mm, long npages, boolean inc) {
        if (npages == 0 || mm == null) {
            return;
        }
        mm.mmapLock().downWriteKillable();
        try {
            accountLockedVmLocked(mm, npages, inc, mm.rlimitMemlock(), mm.capIpcLock());
        } finally {
            mm.mmapLock().upWrite();
        }
    }

    @Override
    public void accountLockedVmLocked(MmStruct mmApi, long npages, boolean inc, long rlimitBytes, boolean bypassRlim) {
        MmStructImpl mm = (MmStructImpl) mmApi;
        mm.mmapLock().assertWriteHeld();
        KernelException.require(npages >= 0, Errno.EINVAL, "account_locked_vm:negative", "negative page count");
        if (inc) {
            KernelException.require(!FailNth.shouldFail(kernel, "mm:account_locked_vm"), Errno.ENOMEM,
                    "mm:account_locked_vm", "fail-nth: locked_vm charge");
            long lockedVm = mm.lockedVm() + npages;
            long limit = rlimitBytes >>> MmConstants.PAGE_SHIFT;
            // the message is built only on failure: this runs once per pinned batch
            if (!bypassRlim && lockedVm > limit) {
                throw new KernelException(Errno.ENOMEM, "account_locked_vm:rlimit",
                        "locked_vm " + lockedVm + " pages would exceed RLIMIT_MEMLOCK of " + limit + " pages");
            }
            mm.lockedVm += npages;
            mm.charged.addAndGet(npages);
        } else {
            long pages = npages;
            // against the whole counter: pages the atomic path charged may be uncharged here (the plain
            // part then goes below zero, the sum does not)
            if (pages > mm.lockedVm()) {
                warnings++;
                pages = mm.lockedVm();
            }
            mm.lockedVm -= pages;
            mm.charged.addAndGet(-pages);
        }
        if (kernel.tracer().enabled()) {
            kernel.tracer().counter("locked_vm." + mm.name(), mm.lockedVm());
        }
    }

    /**
     * ktask v4 07-08/13: {@code atomic_long_add_return(pages, &mm->locked_vm)}; over RLIMIT_MEMLOCK
     * (and not bypassed) the add is undone with {@code atomic_long_sub()} and ENOMEM returned, so a
     * failed charge leaves nothing. A decrease is one {@code atomic_long_sub()}. No mmap lock: the
     * only cost is the atomic's cache-line transfer when another CPU wrote it last.
     */
    @Override
    public void accountLockedVmAtomic(MmStruct mmApi, long npages, boolean inc, long rlimitBytes, boolean bypassRlim) {
        MmStructImpl mm = (MmStructImpl) mmApi;
        KernelException.require(npages >= 0, Errno.EINVAL, "account_locked_vm:negative", "negative page count");
        if (inc) {
            KernelException.require(!FailNth.shouldFail(kernel, "mm:account_locked_vm"), Errno.ENOMEM,
                    "mm:account_locked_vm", "fail-nth: locked_vm charge");
            long lockedVm = mm.lockedVm + mm.lockedVmAtomic.addAndGet(npages);
            long limit = rlimitBytes >>> MmConstants.PAGE_SHIFT;
            if (!bypassRlim && lockedVm > limit) {
                mm.lockedVmAtomic.addAndGet(-npages);
                throw new KernelException(Errno.ENOMEM, "account_locked_vm:rlimit", "locked_vm " + lockedVm
                        + " pages would exceed RLIMIT_MEMLOCK of " + limit + " pages (atomic)");
            }
            mm.charged.addAndGet(npages);
        } else {
            mm.lockedVmAtomic.addAndGet(-npages);
            mm.charged.addAndGet(-npages);
        }
        if (kernel.tracer().enabled()) {
            kernel.tracer().counter("locked_vm." + mm.name(), mm.lockedVm());
        }
    }

    @Override
    public void addPinnedVm(MmStruct mm, long npages) {
        ((MmStructImpl) mm).pinnedVm.addAndGet(npages);
    }

    @Override
    public long charged(MmStruct mm) {
        return ((MmStructImpl) mm).charged.get();
    }

    @Override
    public long warnings() {
        return warnings;
    }
}
