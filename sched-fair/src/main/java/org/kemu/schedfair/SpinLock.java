package org.kemu.schedfair;

/**
 * A spinlock: a waiter keeps its CPU and burns CPU time until the lock is free (the time shows in
 * its {@code sum_exec_runtime}); waiters are served in FIFO order as with queued spinlocks; holders
 * and spinners are not preempted (spin_lock disables preemption).
 */
public interface SpinLock extends KernelLock {
    void lock();

    /**
     * {@code spin_lock_nested}: takes the lock as nesting level {@code subclass} (1..7) of its class,
     * so holding two locks of one class (two page-table locks, say) is not reported as recursive
     * locking; EINVAL outside 0..7.
     */
    void lockNested(int subclass);

    boolean tryLock();

    void unlock();

    boolean isLocked();
}
