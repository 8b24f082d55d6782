package org.kemu.schedfair.internal;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.KernelLock;
import org.kemu.schedfair.LockStats;
import org.kemu.schedfair.TraceEvent;
import org.kemu.schedfair.Tracer;

/** What every lock shares: its backend, guard, name, lockdep class, statistics and assertHeld. */
abstract class LockBase implements KernelLock {
    protected final SchedSeam seam;
    protected final SeamGuard guard;
    protected final String name;
    protected final String kind;
    /** The lockdep class ({@code struct lock_class_key}): shared by every lock initialised at one site. */
    protected final String lockClass;
    protected final LockStatsRecorder stats;
    /** The CPU that last took the lock: where its cache line is. */
    protected int lastCpu = -1;
    /**
     * The lockdep classes of nesting subclasses 1..7, built on first use: a nested acquisition
     * ({@code spin_lock_nested}) on a hot path would otherwise build the same string each time.
     * Racy on the hosted backend, harmlessly: two threads may build equal strings.
     */
    private String[] subclassNames;
    /** What a task waiting for this lock waits on ({@link #waitLabel}), built on first contention. */
    private String[] waitLabels;

    /**
     * @param lockClass the lockdep class; null gives the lock a class of its own, named after it (as a
     *     statically defined lock, {@code DEFINE_MUTEX}, has its own key)
     */
    protected LockBase(SchedSeam seam, String name, String lockClass, String kind) {
        this.seam = seam;
        this.guard = seam.newGuard();
        this.name = name;
        this.lockClass = lockClass == null ? name : lockClass;
        this.kind = kind;
        this.stats = seam.newStats(name, kind);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String lockClass() {
        return lockClass;
    }

    /**
     * The lockdep class of an acquisition with nesting {@code subclass} ({@code *_lock_nested}): subclass
     * 0 is the lock's class, others are classes of their own (lockdep's {@code look_up_lock_class}
     * keys a class by key and subclass); EINVAL at or above MAX_LOCKDEP_SUBCLASSES (8).
     */
    protected final String classOf(int subclass) {
        if (subclass == 0) {
            return lockClass;
        }
        if (subclass < 0 || subclass >= 8) {
            throw new KernelException(Errno.EINVAL, "lockdep:subclass",
                    "subclass " + subclass + " of '" + name + "' outside 0..7 (MAX_LOCKDEP_SUBCLASSES)");
        }
        String[] names = subclassNames;
        if (names == null) {
            names = new String[8];
            subclassNames = names;
        }
        String n = names[subclass];
        if (n == null) {
            n = lockClass + "/" + subclass;
            names[subclass] = n;
        }
        return n;
    }

    /**
     * {@code kind 'name'} followed by {@code suffix} (one of a few constants per lock kind, told apart
     * by {@code slot}): the description a blocked or spinning waiter carries, built once per lock.
     */
    protected final String waitLabel(int slot, String suffix) {
        String[] labels = waitLabels;
        if (labels == null) {
            labels = new String[4];
            waitLabels = labels;
        }
        String l = labels[slot];
        if (l == null) {
            l = kind + " '" + name + "'" + suffix;
            labels[slot] = l;
        }
        return l;
    }

    @Override
    public LockStats stats() {
        return stats.snapshot();
    }

    @Override
    public void assertHeld() {
        if (!heldByCurrent()) {
            throw new IllegalStateException("lockdep_assert_held: " + kind + " '" + name + "' not held by current");
        }
    }

    /** Records a contended acquisition that began at {@code start} and just ended; guard held. */
    protected void contended(TaskStruct t, long start) {
        long end = seam.now();
        stats.acquired(end - start, true);
        Tracer tracer = seam.tracer();
        if (tracer.enabled()) {
            tracer.emit(new TraceEvent.LockWait(name, kind, t.id, t.name, start, end));
        }
    }

    /**
     * The trylock skeleton: under the guard, unless {@code busy}, {@code take} makes {@code t} the
     * holder; never waits.
     */
    protected final boolean tryAcquire(TaskStruct t, BooleanSupplier busy, Consumer<TaskStruct> take) {
        guard.lock();
        try {
            if (busy.getAsBoolean()) {
                return false;
            }
            seam.lockdep().acquire(t, lockClass, name, this, false, true);
            take.accept(t);
            lastCpu = t.cpu;
            stats.acquired(0, false);
        } finally {
            guard.unlock();
        }
        seam.lockdep().acquired(t, lockClass, name, this, false);
        return true;
    }

    /** The EPERM of releasing a lock {@code t} does not hold. */
    protected KernelException notOwner(String check, TaskStruct t, String verb, Object owner, String how) {
        return new KernelException(Errno.EPERM, check, "task '" + t.name + "' " + verb + " " + kind + " '" + name
                + "' " + (owner == null ? "that is not locked" : how + " " + owner));
    }
}
