package org.kemu.schedfair.internal;

import java.util.ArrayDeque;
import java.util.List;
import org.kemu.schedfair.SpinLock;

/**
 * A queued spinlock (kernel/locking/qspinlock.c): waiters spin on their own CPU in FIFO order and
 * the unlocker hands the lock to the first of them; the holder is not preempted (preempt_count).
 * The owner is read once per use: it changes under the spinners' feet on the hosted backend.
 */
public final class QueuedSpinLock extends LockBase implements SpinLock {
    private final ArrayDeque<TaskStruct> spinners = new ArrayDeque<>();
    private volatile TaskStruct owner;

    public QueuedSpinLock(SchedSeam seam, String name) {
        super(seam, name, "spinlock");
    }

    private List<String> holders() {
        TaskStruct o = owner;
        return o == null ? List.of() : List.of(o.toString());
    }

    @Override
    public void lock() {
        TaskStruct t = seam.self("spin_lock");
        seam.lockdep().acquire(t, name, name, this, false, false);
        seam.chargeLockAcquire(t, lastCpu);
        t.preemptCount++;
        guard.lock();
        try {
            if (owner == null) {
                owner = t;
                stats.acquired(0, false);
            } else {
                long start = seam.now();
                spinners.add(t);
                seam.spin(t, guard, "spinlock '" + name + "'", this::holders);
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
        TaskStruct t = seam.self("spin_trylock");
        guard.lock();
        try {
            if (owner != null) {
                return false;
            }
            seam.lockdep().acquire(t, name, name, this, false, true);
            t.preemptCount++;
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
        TaskStruct t = seam.self("spin_unlock");
        guard.lock();
        try {
            TaskStruct o = owner;
            seam.lockdep().release(t, this, name);
            if (o != t) {
                throw notOwner("spin_unlock:owner", t, "unlocks", o, "held by");
            }
            t.preemptCount--;
            TaskStruct next = spinners.poll();
            owner = next;
            if (next != null) {
                seam.endSpin(next);
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
    public boolean heldByCurrent() {
        TaskStruct t = seam.currentOrNull();
        return t != null && owner == t;
    }
}
