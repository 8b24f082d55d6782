package org.kemu.schedfair.internal;

import java.util.ArrayDeque;
import java.util.List;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.Task;

/**
 * {@code struct mutex} (kernel/locking/mutex.c): FIFO waiters, and an unlock hands the lock straight
 * to the first waiter (MUTEX_FLAG_HANDOFF), so a waiter never races a newcomer for it.
 */
public final class StructMutex extends LockBase implements Mutex {
    private final ArrayDeque<TaskStruct> waiters = new ArrayDeque<>();
    private volatile TaskStruct owner;

    public StructMutex(SchedSeam seam, String name) {
        super(seam, name, "mutex");
    }

    private List<String> holders() {
        TaskStruct o = owner;
        return o == null ? List.of() : List.of(o.toString());
    }

    @Override
    public void lock() {
        acquire(false);
    }

    @Override
    public void lockKillable() {
        acquire(true);
    }

    /** __mutex_lock_common. */
    private void acquire(boolean killable) {
        TaskStruct t = seam.self("mutex_lock");
        if (killable && t.fatalSignal) {
            throw new KernelException(Errno.EINTR, "mutex_lock_killable", "fatal signal pending");
        }
        seam.lockdep().acquire(t, name, name, this, false, false);
        seam.chargeLockAcquire(t, lastCpu);
        guard.lock();
        try {
            if (owner == null) {
                owner = t;
                stats.acquired(0, false);
            } else {
                long start = seam.now();
                waiters.add(t);
                seam.block(t, guard, "mutex '" + name + "'", this::holders,
                        killable ? () -> waiters.remove(t) : null);
                if (owner != t) {
                    throw new KernelException(Errno.EINTR, "mutex_lock_killable", "fatal signal while waiting");
                }
                contended(t, start);
            }
            lastCpu = t.cpu;
        } finally {
            guard.unlock();
        }
        seam.lockdep().acquired(t, name, name, this, false);
    }

    @Override
    public boolean tryLock() {
        TaskStruct t = seam.self("mutex_trylock");
        guard.lock();
        try {
            if (owner != null) {
                return false;
            }
            seam.lockdep().acquire(t, name, name, this, false, true);
            owner = t;
            lastCpu = t.cpu;
            stats.acquired(0, false);
        } finally {
            guard.unlock();
        }
        seam.lockdep().acquired(t, name, name, this, false);
        return true;
    }

    @Override
    public void unlock() {
        TaskStruct t = seam.self("mutex_unlock");
        guard.lock();
        try {
            TaskStruct o = owner;
            seam.lockdep().release(t, this, name);
            if (o != t) {
                throw notOwner("mutex_unlock:owner", t, "unlocks", o, "owned by");
            }
            TaskStruct next = waiters.poll();
            owner = next;
            if (next != null) {
                seam.wake(next);
            }
        } finally {
            guard.unlock();
        }
    }

    @Override
    public boolean isLocked() {
        return owner != null;
    }

    @Override
    public Task owner() {
        return owner;
    }

    @Override
    public boolean heldByCurrent() {
        TaskStruct t = seam.currentOrNull();
        return t != null && owner == t;
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
