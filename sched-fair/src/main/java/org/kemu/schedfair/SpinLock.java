package org.kemu.schedfair;

/**
 * A spinlock: a waiter keeps its CPU and burns CPU time until the lock is free (the time shows in
 * its {@code sum_exec_runtime}); waiters are served in FIFO order as with queued spinlocks; holders
 * and spinners are not preempted (spin_lock disables preemption).
 */
public interface SpinLock extends KernelLock {
    void lock();

    boolean tryLock();

    void unlock();

    boolean isLocked();
}
