package org.kemu.schedfair;

/**
 * A sleeping lock with a single owner ({@code struct mutex}). Waiters queue in FIFO order and an
 * unlock hands the lock directly to the first waiter (the kernel's MUTEX_FLAG_HANDOFF behaviour;
 * optimistic spinning is not modelled).
 */
public interface Mutex extends KernelLock {
    void lock();

    /** {@code mutex_lock_nested}: as {@link SpinLock#lockNested}, for a mutex. */
    void lockNested(int subclass);

    /** mutex_lock_killable: EINTR instead of sleeping when the task has a fatal signal pending. */
    void lockKillable();

    boolean tryLock();

    /** Throws {@link KernelException} EPERM when the current task does not own it. */
    void unlock();

    boolean isLocked();

    /** Tasks queued waiting for it. */
    int nrWaiters();

    /** The owner, or null. */
    Task owner();
}
