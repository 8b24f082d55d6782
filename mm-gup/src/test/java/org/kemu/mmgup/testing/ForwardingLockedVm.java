package org.kemu.mmgup.testing;

import org.kemu.mmgup.LockedVm;
import org.kemu.mmgup.MmStruct;

/**
 * A locked_vm model that passes every call to another one: tests that swap the model override only
 * the calls they change or count.
 */
public class ForwardingLockedVm implements LockedVm {
    protected final LockedVm delegate;

    public ForwardingLockedVm(LockedVm delegate) {
        this.delegate = delegate;
    }

    @Override
    public void accountLockedVm(MmStruct mm, long npages, boolean inc) {
        delegate.accountLockedVm(mm, npages, inc);
    }

    @Override
    public void accountLockedVmLocked(MmStruct mm, long npages, boolean inc, long rlimitBytes, boolean bypassRlim) {
        delegate.accountLockedVmLocked(mm, npages, inc, rlimitBytes, bypassRlim);
    }

    @Override
    public void accountLockedVmAtomic(MmStruct mm, long npages, boolean inc, long rlimitBytes, boolean bypassRlim) {
        delegate.accountLockedVmAtomic(mm, npages, inc, rlimitBytes, bypassRlim);
    }

    @Override
    public void addPinnedVm(MmStruct mm, long npages) {
        delegate.addPinnedVm(mm, npages);
    }

    @Override
    public long charged(MmStruct mm) {
        return delegate.charged(mm);
    }

    @Override
    public long warnings() {
        return delegate.warnings();
    }
}
