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
    protected final LockStatsRecorder stats;
    /** The CPU that last took the lock: where its cache line is. */
    protected int lastCpu = -1;

    protected LockBase(SchedSeam seam, String name, String kind) {
        this.seam = seam;
        this.guard = seam.newGuard();
        this.name = name;
        this.kind = kind;
        this.stats = seam.newStats(name, kind);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String lockClass() {
        return name;
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
            seam.lockdep().acquire(t, name, name, this, false, true);
            take.accept(t);
            lastCpu = t.cpu;
            stats.acquired(0, false);
        } finally {
            guard.unlock();
        }
        seam.lockdep().acquired(t, name, name, this, false);
        return true;
    }

    /** The EPERM of releasing a lock {@code t} does not hold. */
    protected KernelException notOwner(String check, TaskStruct t, String verb, Object owner, String how) {
        return new KernelException(Errno.EPERM, check, "task '" + t.name + "' " + verb + " " + kind + " '" + name
                + "' " + (owner == null ? "that is not locked" : how + " " + owner));
    }
}
