package org.kemu.vfiotype1.type1;

import org.kemu.mmgup.Gup;
import org.kemu.mmgup.MmStruct;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.vfiotype1.PageSizes;

/**
 * GUP for container tests that need a chosen physical layout: user address v is backed by physical
 * address v + offset, physically contiguous in pieces of {@code runBytes} (each next piece displaced
 * by one more piece, so runs break there); pins are counted, and the n-th call can fail with ENOMEM
 * as {@code pin_user_pages_remote()} does when a folio cannot be grabbed.
 */
final class FakeGup implements Gup {
    final long runBytes;
    final long offset;
    long pinnedPages;
    int failAtCall = -1;
    private int calls;

    FakeGup(long runBytes, long offset) {
        this.runBytes = runBytes;
        this.offset = offset;
    }

    long pa(long vaddr) {
        long piece = vaddr / runBytes;
        return vaddr + offset + piece * runBytes;
    }

    @Override
    public long pinUserPagesRemote(MmStruct mm, long start, long nrPages, int gupFlags, long[] pfnsOut) {
        if (calls++ == failAtCall) {
            throw new KernelException(Errno.ENOMEM, "fake:gup", "folio not grabbed");
        }
        for (int i = 0; i < nrPages; i++) {
            pfnsOut[i] = pa(start + ((long) i << PageSizes.PAGE_SHIFT)) >>> PageSizes.PAGE_SHIFT;
        }
        pinnedPages += nrPages;
        return nrPages;
    }

    @Override
    public long pinUserPagesFast(long start, long nrPages, int gupFlags, long[] pfnsOut) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long getUserPages(MmStruct mm, long start, long nrPages, int gupFlags, long[] pfnsOut) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void putPages(long[] pfns, int n) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void unpinUserPages(long[] pfns, int n) {
        pinnedPages -= n;
    }

    @Override
    public void unpinUserPagesDirtyLock(long[] pfns, int n, boolean makeDirty) {
        pinnedPages -= n;
    }

    @Override
    public void unpinUserPageRangeDirtyLock(long firstPfn, long n, boolean makeDirty) {
        pinnedPages -= n;
    }

    @Override
    public void unpinUserPagesEach(long firstPfn, long n, boolean makeDirty) {
        pinnedPages -= n;
    }

    @Override
    public String name() {
        return "fake";
    }
}
