package org.kemu.schedfair.internal;

import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.Task;

/**
 * {@code struct mutex} (kernel/locking/mutex.c): FIFO waiters, and an unlock hands the lock straight
 * to the first waiter (MUTEX_FLAG_HANDOFF), so a waiter never races a newcomer for it.
 */
public final class StructMutex extends HandOffLock implements Mutex {

    public StructMutex(SchedSeam seam, String name, String lockClass) {
        super(seam, name, lockClass, "mutex");
    }

    @Override
    public void lock() {
        acquire(false, 0);
    }

    @Override
    public void lockNested(int subclass) {
        acquire(false, subclass);
    }

    @Override
    public void lockKillable() {
        acquire(true, 0);
    }

    /** __mutex_lock_common. */
    private void acquire(boolean killable, int subclass) {
        TaskStruct t = seam.self("mutex_lock");
        if (killable && t.fatalSignal) {
            throw new KernelException(Errno.EINTR, "mutex_lock_killable", "fatal signal pending");
        }
        take(t, killable, subclass);
    }

    @Override
    protected void awaitHandOff(TaskStruct t, boolean killable) {
        seam.block(t, guard, waitLabel(0, ""), holdersView, killable ? () -> waiters.remove(t) : null);
        if (owner != t) {
            throw new KernelException(Errno.EINTR, "mutex_lock_killable", "fatal signal while waiting");
        }
    }

    @Override
    public boolean tryLock() {
        return tryTake("mutex_trylock");
    }

    @Override
    public void unlock() {
        release("mutex_unlock", "owned by");
    }

    @Override
    protected void handOff(TaskStruct next) {
        seam.wake(next);
    }

    @Override
    public Task owner() {
        return owner;
    }

    @Override
    public int nrWaiters() {
        guard.lock();
        try {
            return waiters.size();
        } finally {
            guard.unlock();
        }
    }
}
