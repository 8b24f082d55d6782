package org.kemu.schedfair.internal;

import java.util.ArrayDeque;
import java.util.List;

/**
 * A lock with one owner and a FIFO of waiters to which unlock hands the lock directly: the mutex
 * (MUTEX_FLAG_HANDOFF) and the queued spinlock (the MCS queue head takes over). The two differ only
 * in how a waiter waits (sleeps or spins) and in preempt_count, which the hooks cover.
 */
abstract class HandOffLock extends LockBase {
    protected final ArrayDeque<TaskStruct> waiters = new ArrayDeque<>();
    /** Read once per use: on the hosted backend it changes under a waiter's feet. */
    protected volatile TaskStruct owner;
    /** {@link #holders}, bound once: a waiter hands it to the seam on every wait. */
    protected final java.util.function.Supplier<List<String>> holdersView = this::holders;

    protected HandOffLock(SchedSeam seam, String name, String lockClass, String kind) {
        super(seam, name, lockClass, kind);
    }

    protected final List<String> holders() {
        TaskStruct o = owner;
        return o == null ? List.of() : List.of(o.toString());
    }

    /** {@code t} just took the lock without waiting; guard held. */
    protected void taken(TaskStruct t) {
    }

    /** {@code t}, the owner, is giving the lock up; guard held. */
    protected void released(TaskStruct t) {
    }

    /** Lets {@code next}, now the owner, go on; guard held. */
    protected abstract void handOff(TaskStruct next);

    /** {@code t} is about to take the lock, waiting if it must; guard not held. */
    protected void entering(TaskStruct t) {
    }

    /**
     * Waits, queued and with the guard held, until the lock is handed to {@code t} (sleeping or
     * spinning); a killable wait that a fatal signal ended throws.
     */
    protected abstract void awaitHandOff(TaskStruct t, boolean killable);

    /**
     * The lock slow and fast path: take it if free, else queue and wait for the hand-off; lockdep sees
     * it as nesting {@code subclass} of the lock's class.
     */
    protected final void take(TaskStruct t, boolean killable, int subclass) {
        String cls = classOf(subclass);
        seam.lockdep().acquire(t, cls, name, this, false, false);
        seam.chargeLockAcquire(t, lastCpu);
        entering(t);
        guard.lock();
        try {
            if (owner == null) {
                owner = t;
                stats.acquired(0, false);
            } else {
                long start = seam.now();
                waiters.add(t);
                awaitHandOff(t, killable);
                contended(t, start);
            }
            lastCpu = t.cpu;
        } finally {
            guard.unlock();
        }
        seam.lockdep().acquired(t, cls, name, this, false);
    }

    /** {@code *_trylock}: takes the lock if it is free, never waits. */
    protected final boolean tryTake(String fn) {
        return tryAcquire(seam.self(fn), () -> owner != null, t -> {
            taken(t);
            owner = t;
        });
    }

    /** {@code *_unlock}: EPERM unless the caller owns the lock, then hands it to the first waiter. */
    protected final void release(String fn, String ownerWord) {
        TaskStruct t = seam.self(fn);
        guard.lock();
        try {
            TaskStruct o = owner;
            seam.lockdep().release(t, this, name);
            if (o != t) {
                throw notOwner(fn + ":owner", t, "unlocks", o, ownerWord);
            }
            released(t);
            TaskStruct next = waiters.poll();
            owner = next;
            if (next != null) {
                handOff(next);
            }
        } finally {
            guard.unlock();
        }
    }

    public boolean isLocked() {
        return owner != null;
    }

    public boolean heldByCurrent() {
        TaskStruct t = seam.currentOrNull();
        return t != null && owner == t;
    }
}
