package org.kemu.schedfair.hosted;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.SpinLock;
import org.kemu.schedfair.internal.LockBase;

/** A hosted ticket spinlock: FIFO like the kernel's queued spinlock, spinning on a real CPU. */
final class HostedSpinLock extends LockBase implements SpinLock {
    private final HostedKernel k;
    private final AtomicLong next = new AtomicLong();
    private final AtomicLong serving = new AtomicLong();
    private volatile HostedTask owner;

    HostedSpinLock(HostedKernel k, String name) {
        super(name, "spinlock", k.newStats(name, "spinlock"));
        this.k = k;
    }

    @Override
    public void lock() {
        HostedTask t = k.self("spin_lock");
        k.lockdep.acquire(t, name, name, this, false, false);
        long ticket = next.getAndIncrement();
        if (serving.get() == ticket) {
            stats.acquired(0, false);
        } else {
            long start = System.nanoTime();
            t.spinningOn = this;
            t.spinTicket = ticket;
            HostedTask holder = owner; // read once: the holder may unlock between a test and a use
            t.blockedOn("spinlock '" + name + "'", holder == null ? List.of() : List.of(holder.toString()));
            try {
                long spins = 0;
                while (serving.get() != ticket) {
                    Thread.onSpinWait();
                    if ((++spins & 0x3ff) == 0) {
                        // on an oversubscribed host, let the holder (or the next in line) run
                        Thread.yield();
                        if (k.aborted) {
                            throw new HostedAbort();
                        }
                    }
                }
            } finally {
                t.spinningOn = null;
                t.running();
            }
            stats.acquired(System.nanoTime() - start, true);
        }
        owner = t;
        k.lockdep.acquired(t, name, name, this, false);
    }

    @Override
    public boolean tryLock() {
        HostedTask t = k.self("spin_trylock");
        long s = serving.get();
        if (!next.compareAndSet(s, s + 1)) {
            return false;
        }
        k.lockdep.acquire(t, name, name, this, false, true);
        owner = t;
        stats.acquired(0, false);
        k.lockdep.acquired(t, name, name, this, false);
        return true;
    }

    @Override
    public void unlock() {
        HostedTask t = k.self("spin_unlock");
        if (owner != t) {
            k.lockdep.release(t, this, name);
            throw new KernelException(Errno.EPERM, "spin_unlock:owner", "task '" + t.name + "' unlocks spinlock '"
                    + name + "' " + (owner == null ? "that is not locked" : "held by " + owner));
        }
        k.lockdep.release(t, this, name);
        owner = null;
        serving.incrementAndGet();
        k.progress.incrementAndGet();
    }

    /** True when a spinner holding {@code ticket} may take the lock now (it is just not scheduled). */
    boolean servingTicket(long ticket) {
        return serving.get() == ticket;
    }

    @Override
    public boolean isLocked() {
        return next.get() != serving.get();
    }

    @Override
    public boolean heldByCurrent() {
        HostedTask t = k.currentOrNull();
        return t != null && owner == t;
    }
}
