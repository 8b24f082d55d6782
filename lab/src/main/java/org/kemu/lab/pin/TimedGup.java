package org.kemu.lab.pin;

import java.util.concurrent.atomic.AtomicLong;
import org.kemu.mmgup.Gup;
import org.kemu.mmgup.AddressSpaces;
import org.kemu.mmgup.MmStruct;
import org.kemu.schedfair.Kernel;

/**
 * The GUP the pin path calls, timed for the report's breakdown: virtual time inside
 * {@code pin_user_pages_remote}, split by whether the call had to fault its first page in (faulting
 * and clearing) or found it present. Statistics only: never read by emulated code.
 */
final class TimedGup implements Gup {
    private final Kernel kernel;
    private final AddressSpaces mmOps;
    private final Gup gup;
    final AtomicLong gupNs = new AtomicLong();
    final AtomicLong faultClearNs = new AtomicLong();

    TimedGup(Kernel kernel, AddressSpaces mmOps, Gup gup) {
        this.kernel = kernel;
        this.mmOps = mmOps;
        this.gup = gup;
    }

    @Override
    public long pinUserPagesRemote(MmStruct mm, long start, long nrPages, int gupFlags, long[] pfnsOut) {
        boolean faulting = mmOps.followPfn(mm, start) < 0;
        long t0 = kernel.now();
        try {
            return gup.pinUserPagesRemote(mm, start, nrPages, gupFlags, pfnsOut);
        } finally {
            (faulting ? faultClearNs : gupNs).addAndGet(kernel.now() - t0);
        }
    }

    @Override
    public long pinUserPagesFast(long start, long nrPages, int gupFlags, long[] pfnsOut) {
        return gup.pinUserPagesFast(start, nrPages, gupFlags, pfnsOut);
    }

    @Override
    public long getUserPages(MmStruct mm, long start, long nrPages, int gupFlags, long[] pfnsOut) {
        return gup.getUserPages(mm, start, nrPages, gupFlags, pfnsOut);
    }

    @Override
    public void putPages(long[] pfns, int n) {
        gup.putPages(pfns, n);
    }

    @Override
    public void unpinUserPages(long[] pfns, int n) {
        gup.unpinUserPages(pfns, n);
    }

    @Override
    public void unpinUserPagesDirtyLock(long[] pfns, int n, boolean makeDirty) {
        gup.unpinUserPagesDirtyLock(pfns, n, makeDirty);
    }

    @Override
    public void unpinUserPageRangeDirtyLock(long firstPfn, long n, boolean makeDirty) {
        gup.unpinUserPageRangeDirtyLock(firstPfn, n, makeDirty);
    }

    @Override
    public String name() {
        return gup.name();
    }
}
