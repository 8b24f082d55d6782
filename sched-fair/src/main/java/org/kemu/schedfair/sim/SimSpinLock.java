package org.kemu.schedfair.sim;

import java.util.ArrayDeque;
import java.util.List;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.SpinLock;
import org.kemu.schedfair.internal.LockBase;

/** A simulated queued spinlock: waiters burn their CPU in FIFO order; no preemption while held. */
final class SimSpinLock extends LockBase implements SpinLock {
    private final SimKernel k;
    private final ArrayDeque<SimTask> spinners = new ArrayDeque<>();
    private SimTask owner;
    private int lastCpu = -1;

    SimSpinLock(SimKernel k, String name) {
        super(name, "spinlock", k.newStats(name, "spinlock"));
        this.k = k;
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
    public boolean heldByCurrent() {
        return k.inTask() && owner == k.self("assert_held");
    }
}
