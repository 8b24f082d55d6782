package org.kemu.schedfair.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.RwSemaphore;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.internal.LockBase;

/**
 * A simulated rw_semaphore. New readers queue behind any waiter, so a waiting writer blocks later
 * readers. On release to waiters: a writer at the head gets the lock alone; a reader at the head is
 * woken together with every queued reader, writers keeping their places (rwsem_mark_wake in
 * kernel/locking/rwsem.c wakes all readers in the queue since Linux 5.3).
 */
final class SimRwSemaphore extends LockBase implements RwSemaphore {
    private record Waiter(SimTask task, boolean write, long since) {
    }

    private final SimKernel k;
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    private final List<SimTask> readers = new ArrayList<>();
    private SimTask writer;
    private int lastCpu = -1;

    SimRwSemaphore(SimKernel k, String name) {
        super(name, "rwsem", k.newStats(name, "rwsem"));
        this.k = k;
    }

    private List<String> holders() {
        List<String> h = new ArrayList<>();
        if (writer != null) {
            h.add(writer + " (write)");
        }
        for (SimTask r : readers) {
            h.add(r + " (read)");
        }
        return h;
    }

    @Override
    public void downRead() {
        SimTask t = k.self("down_read");
        k.lockdep.acquire(t, name, name, this, true, false);
        k.chargeLineTransfer(t, lastCpu, k.machine().costs().lockAcquireNs());
        if (writer == null && queue.isEmpty()) {
            readers.add(t);
            stats.acquired(0, false);
        } else {
            long start = k.now;
            queue.add(new Waiter(t, false, start));
            k.block(t, "rwsem '" + name + "' (read)", this::holders);
            stats.acquired(k.now - start, true);
            k.traceLockWait(name, "rwsem", t, start);
        }
        lastCpu = t.cpu;
        k.lockdep.acquired(t, name, name, this, true);
    }

    @Override
    public boolean tryDownRead() {
        SimTask t = k.self("down_read_trylock");
        if (writer != null || !queue.isEmpty()) {
            return false;
        }
        k.lockdep.acquire(t, name, name, this, true, true);
        readers.add(t);
        lastCpu = t.cpu;
        stats.acquired(0, false);
        k.lockdep.acquired(t, name, name, this, true);
        return true;
    }

    @Override
    public void upRead() {
        SimTask t = k.self("up_read");
        if (!readers.remove(t)) {
            k.lockdep.release(t, this, name);
            throw new KernelException(Errno.EPERM, "up_read:owner",
                    "task '" + t.name + "' releases rwsem '" + name + "' it does not hold for read");
        }
        k.lockdep.release(t, this, name);
        if (readers.isEmpty()) {
            grant();
        }
    }

    @Override
    public void downWrite() {
        acquireWrite(false);
    }

    @Override
    public void downWriteKillable() {
        acquireWrite(true);
    }

    private void acquireWrite(boolean killable) {
        SimTask t = k.self("down_write");
        if (killable && t.fatalSignal) {
            throw new KernelException(Errno.EINTR, "down_write_killable", "fatal signal pending");
        }
        k.lockdep.acquire(t, name, name, this, false, false);
        k.chargeLineTransfer(t, lastCpu, k.machine().costs().lockAcquireNs());
        if (writer == null && readers.isEmpty() && queue.isEmpty()) {
            writer = t;
            stats.acquired(0, false);
        } else {
            long start = k.now;
            Waiter w = new Waiter(t, true, start);
            queue.add(w);
            if (killable) {
                t.onFatalSignal = () -> queue.remove(w);
            }
            k.block(t, "rwsem '" + name + "' (write)", this::holders);
            if (writer != t) {
                throw new KernelException(Errno.EINTR, "down_write_killable", "fatal signal while waiting");
            }
            stats.acquired(k.now - start, true);
            k.traceLockWait(name, "rwsem", t, start);
        }
        lastCpu = t.cpu;
        k.lockdep.acquired(t, name, name, this, false);
    }

    @Override
    public boolean tryDownWrite() {
        SimTask t = k.self("down_write_trylock");
        if (writer != null || !readers.isEmpty()) {
            return false;
        }
        k.lockdep.acquire(t, name, name, this, false, true);
        writer = t;
        lastCpu = t.cpu;
        stats.acquired(0, false);
        k.lockdep.acquired(t, name, name, this, false);
        return true;
    }

    @Override
    public void upWrite() {
        SimTask t = k.self("up_write");
        if (writer != t) {
            k.lockdep.release(t, this, name);
            throw new KernelException(Errno.EPERM, "up_write:owner",
                    "task '" + t.name + "' releases rwsem '" + name + "' it does not hold for write");
        }
        k.lockdep.release(t, this, name);
        writer = null;
        grant();
    }

    @Override
    public void downgradeWrite() {
        SimTask t = k.self("downgrade_write");
        if (writer != t) {
            throw new KernelException(Errno.EPERM, "downgrade_write:owner",
                    "task '" + t.name + "' downgrades rwsem '" + name + "' it does not hold for write");
        }
        k.lockdep.release(t, this, name);
        k.lockdep.acquired(t, name, name, this, true);
        writer = null;
        readers.add(t);
        wakeReaders();
    }

    /** Hands the free lock to the head of the queue (a writer alone, or every queued reader). */
    private void grant() {
        Waiter head = queue.peek();
        if (head == null || writer != null || !readers.isEmpty() && head.write()) {
            return;
        }
        if (head.write()) {
            queue.poll();
            writer = head.task();
            k.wake(head.task());
        } else {
            wakeReaders();
        }
    }

    private void wakeReaders() {
        for (Iterator<Waiter> it = queue.iterator(); it.hasNext();) {
            Waiter w = it.next();
            if (!w.write()) {
                it.remove();
                readers.add(w.task());
                k.wake(w.task());
            }
        }
    }

    @Override
    public int readers() {
        return readers.size();
    }

    @Override
    public Task writer() {
        return writer;
    }

    @Override
    public void assertWriteHeld() {
        if (!k.inTask() || writer != k.self("assert_held")) {
            throw new IllegalStateException("lockdep_assert_held_write: rwsem '" + name + "' not write-held by current");
        }
    }

    @Override
    public boolean heldByCurrent() {
        if (!k.inTask()) {
            return false;
        }
        SimTask t = k.self("assert_held");
        return writer == t || readers.contains(t);
    }

    @Override
    public boolean isContended() {
        return !queue.isEmpty();
    }
}
