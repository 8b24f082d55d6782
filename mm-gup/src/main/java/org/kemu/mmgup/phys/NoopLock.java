package org.kemu.mmgup.phys;

import org.kemu.schedfair.LockStats;
import org.kemu.schedfair.SpinLock;

/** The metadata lock of the simulated backend, where one task runs at a time (see MemMap#meta). */
final class NoopLock implements SpinLock {
    static final NoopLock INSTANCE = new NoopLock();

    @Override
    public void lock() {
    }

    @Override
    public void lockNested(int subclass) {
    }

    @Override
    public boolean tryLock() {
        return true;
    }

    @Override
    public void unlock() {
    }

    @Override
    public boolean isLocked() {
        return false;
    }

    @Override
    public String name() {
        return "mm-gup:pfn-meta";
    }

    @Override
    public String lockClass() {
        return name();
    }

    @Override
    public LockStats stats() {
        return new LockStats(name(), "elided", 0, 0, 0, 0);
    }

    @Override
    public void assertHeld() {
    }

    @Override
    public boolean heldByCurrent() {
        return true;
    }
}
