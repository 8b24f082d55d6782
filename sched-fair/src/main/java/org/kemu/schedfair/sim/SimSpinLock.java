package org.kemu.schedfair.sim;

import java.util.ArrayDeque;
import java.util.List;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.LockStats;
import org.kemu.schedfair.SpinLock;
import org.kemu.schedfair.internal.LockStatsRecorder;

/** A simulated queued spinlock: waiters burn their CPU in FIFO order; no preemption while held. */
final class SimSpinLock implements SpinLock {
    private final SimKernel k;
    private final String name;
    private final LockStatsRecorder stats;
    private final ArrayDeque<SimTask> spinners = new ArrayDeque<>();
    private SimTask owner;
    private int lastCpu = -1;

    SimSpinLock(SimKernel k, String name) {
        this.k = k;
        this.name = name;
        this.stats = k.newStats(name, "spinlock");
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
    public void lock() {
        SimTask t = k.self("spin_lock");
        k.lockdep.acquire(t, name, name, this, false, false);
        k.chargeLineTransfer(t, lastCpu, k.machine().costs().lockAcquireNs());
        t.preemptCount++;
        if (owner == null) {
            owner = t;
            stats.acquired(0, false);
        } else {
            long start = k.now;
            spinners.add(t);
            k.spin(t, "spinlock '" + name + "'", () -> owner == null ? List.of() : List.of(owner.toString()));
            stats.acquired(k.now - start, true);
            k.traceLockWait(name, "spinlock", t, start);
        }
        lastCpu = t.cpu;
        k.lockdep.acquired(t, name, name, this, false);
    }

    @Override
    public boolean tryLock() {
        SimTask t = k.self("spin_trylock");
        if (owner != null) {
            return false;
        }
        k.lockdep.acquire(t, name, name, this, false, true);
        t.preemptCount++;
        owner = t;
        lastCpu = t.cpu;
        stats.acquired(0, false);
        k.lockdep.acquired(t, name, name, this, false);
        return true;
    }

    @Override
    public void unlock() {
        SimTask t = k.self("spin_unlock");
        if (owner != t) {
            k.lockdep.release(t, this, name);
            throw new KernelException(Errno.EPERM, "spin_unlock:owner", "task '" + t.name + "' unlocks spinlock '"
                    + name + "' " + (owner == null ? "that is not locked" : "held by " + owner));
        }
        k.lockdep.release(t, this, name);
        t.preemptCount--;
        SimTask next = spinners.poll();
        owner = next;
        if (next != null) {
            k.stopSpinning(next);
        }
    }

    @Override
    public boolean isLocked() {
        return owner != null;
    }

    @Override
    public void assertHeld() {
        if (!heldByCurrent()) {
            throw new IllegalStateException("lockdep_assert_held: spinlock '" + name + "' not held by current");
        }
    }

    @Override
    public boolean heldByCurrent() {
        return k.inTask() && owner == k.self("assert_held");
    }
}
