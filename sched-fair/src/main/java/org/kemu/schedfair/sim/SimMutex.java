package org.kemu.schedfair.sim;

import java.util.ArrayDeque;
import java.util.List;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.internal.LockBase;

/** A simulated mutex: FIFO waiters, direct hand-off to the first waiter on unlock. */
final class SimMutex extends LockBase implements Mutex {
    private final SimKernel k;
    private final ArrayDeque<SimTask> waiters = new ArrayDeque<>();
    private SimTask owner;
    private int lastCpu = -1;

    SimMutex(SimKernel k, String name) {
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
        SimTask t = k.self("mutex_lock");
        if (killable && t.fatalSignal) {
            throw new KernelException(Errno.EINTR, "mutex_lock_killable", "fatal signal pending");
        }
        k.lockdep.acquire(t, name, name, this, false, false);
        k.chargeLineTransfer(t, lastCpu, k.machine().costs().lockAcquireNs());
        if (owner == null) {
            owner = t;
            stats.acquired(0, false);
        } else {
            long start = k.now;
            waiters.add(t);
            if (killable) {
                t.onFatalSignal = () -> waiters.remove(t);
            }
            k.block(t, "mutex '" + name + "'", () -> owner == null ? List.of() : List.of(owner.toString()));
            if (owner != t) {
                throw new KernelException(Errno.EINTR, "mutex_lock_killable", "fatal signal while waiting");
            }
            stats.acquired(k.now - start, true);
            k.traceLockWait(name, "mutex", t, start);
        }
        lastCpu = t.cpu;
        k.lockdep.acquired(t, name, name, this, false);
    }

    @Override
    public boolean tryLock() {
        SimTask t = k.self("mutex_trylock");
        if (owner != null) {
            return false;
        }
        k.lockdep.acquire(t, name, name, this, false, true);
        owner = t;
        lastCpu = t.cpu;
        stats.acquired(0, false);
        k.lockdep.acquired(t, name, name, this, false);
        return true;
    }

    @Override
    public void unlock() {
        SimTask t = k.self("mutex_unlock");
        if (owner != t) {
            k.lockdep.release(t, this, name);
            throw new KernelException(Errno.EPERM, "mutex_unlock:owner", "task '" + t.name
                    + "' unlocks mutex '" + name + "' " + (owner == null ? "that is not locked" : "owned by " + owner));
        }
        k.lockdep.release(t, this, name);
        SimTask next = waiters.poll();
        owner = next;
        if (next != null) {
            k.wake(next);
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
        return k.inTask() && owner == k.self("assert_held");
    }

    @Override
    public int nrWaiters() {
        return waiters.size();
    }
}
