package org.kemu.schedfair.internal;

import org.kemu.schedfair.SpinLock;

/**
 * A queued spinlock (kernel/locking/qspinlock.c): waiters spin on their own CPU in FIFO order and
 * the unlocker hands the lock to the first of them; the holder is not preempted (preempt_count).
 */
public final class QueuedSpinLock extends HandOffLock implements SpinLock {

    public QueuedSpinLock(SchedSeam seam, String name, String lockClass) {
        super(seam, name, lockClass, "spinlock");
    }

    @Override
    public void lock() {
        TaskStruct t = seam.self("spin_lock");
        take(t, false, 0);
    }

    @Override
    public void lockNested(int subclass) {
        TaskStruct t = seam.self("spin_lock_nested");
        take(t, false, subclass);
    }

    @Override
    protected void entering(TaskStruct t) {
        t.preemptCount++;
    }

    @Override
    protected void awaitHandOff(TaskStruct t, boolean killable) {
        seam.spin(t, guard, waitLabel(0, ""), holdersView);
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
