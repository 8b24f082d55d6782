package org.kemu.schedfair.internal;

import org.kemu.schedfair.SpinLock;

/**
 * A queued spinlock (kernel/locking/qspinlock.c): waiters spin on their own CPU in FIFO order and
 * the unlocker hands the lock to the first of them; the holder is not preempted (preempt_count).
 */
public final class QueuedSpinLock extends HandOffLock implements SpinLock {

    public QueuedSpinLock(SchedSeam seam, String name) {
        super(seam, name, "spinlock");
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
                waiters.add(t);
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
        return tryTake("spin_trylock");
    }

    @Override
    public void unlock() {
        release("spin_unlock", "held by");
    }

    @Override
    protected void taken(TaskStruct t) {
        t.preemptCount++;
    }

    @Override
    protected void released(TaskStruct t) {
        t.preemptCount--;
    }

    @Override
    protected void handOff(TaskStruct next) {
        seam.endSpin(next);
    }
}
