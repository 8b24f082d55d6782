package org.kemu.schedfair.hosted;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.internal.LockBase;

/** A hosted mutex with the simulated one's semantics: FIFO waiters and direct hand-off. */
final class HostedMutex extends LockBase implements Mutex {
    private final HostedKernel k;
    private final ReentrantLock lk = new ReentrantLock();
    private final Condition cv = lk.newCondition();
    private final ArrayDeque<HostedTask> waiters = new ArrayDeque<>();
    private volatile HostedTask owner;

    HostedMutex(HostedKernel k, String name) {
        super(name, "mutex", k.newStats(name, "mutex"));
        this.k = k;
    }

    @Override
    public void lock() {
        acquire(false);
    }

    @Override
    public void lockKillable() {
        acquire(true);
    }

    private void acquire(boolean killable) {
        HostedTask t = k.self("mutex_lock");
        if (killable && t.fatalSignal) {
            throw new KernelException(Errno.EINTR, "mutex_lock_killable", "fatal signal pending");
        }
        k.lockdep.acquire(t, name, name, this, false, false);
        lk.lock();
        try {
            if (owner == null && waiters.isEmpty()) {
                owner = t;
                stats.acquired(0, false);
            } else {
                long start = System.nanoTime();
                waiters.add(t);
                boolean got = k.await(t, lk, cv, () -> owner == t, killable ? () -> t.fatalSignal : null,
                        "mutex '" + name + "'", () -> owner == null ? List.of() : List.of(owner.toString()));
                if (!got) {
                    waiters.remove(t);
                    throw new KernelException(Errno.EINTR, "mutex_lock_killable", "fatal signal while waiting");
                }
                stats.acquired(System.nanoTime() - start, true);
            }
        } finally {
            lk.unlock();
        }
        k.lockdep.acquired(t, name, name, this, false);
    }

    @Override
    public boolean tryLock() {
        HostedTask t = k.self("mutex_trylock");
        lk.lock();
        try {
            if (owner != null || !waiters.isEmpty()) {
                return false;
            }
            k.lockdep.acquire(t, name, name, this, false, true);
            owner = t;
            stats.acquired(0, false);
        } finally {
            lk.unlock();
        }
        k.lockdep.acquired(t, name, name, this, false);
        return true;
    }

    @Override
    public void unlock() {
        HostedTask t = k.self("mutex_unlock");
        lk.lock();
        try {
            if (owner != t) {
                k.lockdep.release(t, this, name);
                throw new KernelException(Errno.EPERM, "mutex_unlock:owner", "task '" + t.name + "' unlocks mutex '"
                        + name + "' " + (owner == null ? "that is not locked" : "owned by " + owner));
            }
            k.lockdep.release(t, this, name);
            owner = waiters.poll();
            cv.signalAll();
            k.progress.incrementAndGet();
        } finally {
            lk.unlock();
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
        HostedTask t = k.currentOrNull();
        return t != null && owner == t;
    }

    @Override
    public int nrWaiters() {
        lk.lock();
        try {
            return waiters.size();
        } finally {
            lk.unlock();
        }
    }
}
