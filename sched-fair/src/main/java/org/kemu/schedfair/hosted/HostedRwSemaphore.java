package org.kemu.schedfair.hosted;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.RwSemaphore;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.internal.LockBase;

/** A hosted rw_semaphore with the simulated one's queueing rules (see SimRwSemaphore). */
final class HostedRwSemaphore extends LockBase implements RwSemaphore {
    private static final class Waiter {
        final HostedTask task;
        final boolean write;
        volatile boolean granted;

        Waiter(HostedTask task, boolean write) {
            this.task = task;
            this.write = write;
        }
    }

    private final HostedKernel k;
    private final ReentrantLock lk = new ReentrantLock();
    private final Condition cv = lk.newCondition();
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    private final List<HostedTask> readers = new ArrayList<>();
    private volatile HostedTask writer;

    HostedRwSemaphore(HostedKernel k, String name) {
        super(name, "rwsem", k.newStats(name, "rwsem"));
        this.k = k;
    }

    private List<String> holders() {
        List<String> h = new ArrayList<>();
        HostedTask w = writer;
        if (w != null) {
            h.add(w + " (write)");
        }
        for (HostedTask r : readers) {
            h.add(r + " (read)");
        }
        return h;
    }

    @Override
    public void downRead() {
        HostedTask t = k.self("down_read");
        k.lockdep.acquire(t, name, name, this, true, false);
        lk.lock();
        try {
            if (writer == null && queue.isEmpty()) {
                readers.add(t);
                stats.acquired(0, false);
            } else {
                long start = System.nanoTime();
                Waiter w = new Waiter(t, false);
                queue.add(w);
                k.await(t, lk, cv, () -> w.granted, null, "rwsem '" + name + "' (read)", this::holders);
                stats.acquired(System.nanoTime() - start, true);
            }
        } finally {
            lk.unlock();
        }
        k.lockdep.acquired(t, name, name, this, true);
    }

    @Override
    public boolean tryDownRead() {
        HostedTask t = k.self("down_read_trylock");
        lk.lock();
        try {
            if (writer != null || !queue.isEmpty()) {
                return false;
            }
            k.lockdep.acquire(t, name, name, this, true, true);
            readers.add(t);
            stats.acquired(0, false);
        } finally {
            lk.unlock();
        }
        k.lockdep.acquired(t, name, name, this, true);
        return true;
    }

    @Override
    public void upRead() {
        HostedTask t = k.self("up_read");
        lk.lock();
        try {
            if (!readers.remove(t)) {
                k.lockdep.release(t, this, name);
                throw new KernelException(Errno.EPERM, "up_read:owner",
                        "task '" + t.name + "' releases rwsem '" + name + "' it does not hold for read");
            }
            k.lockdep.release(t, this, name);
            if (readers.isEmpty()) {
                grant();
            }
        } finally {
            lk.unlock();
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
        HostedTask t = k.self("down_write");
        if (killable && t.fatalSignal) {
            throw new KernelException(Errno.EINTR, "down_write_killable", "fatal signal pending");
        }
        k.lockdep.acquire(t, name, name, this, false, false);
        lk.lock();
        try {
            if (writer == null && readers.isEmpty() && queue.isEmpty()) {
                writer = t;
                stats.acquired(0, false);
            } else {
                long start = System.nanoTime();
                Waiter w = new Waiter(t, true);
                queue.add(w);
                boolean got = k.await(t, lk, cv, () -> w.granted, killable ? () -> t.fatalSignal : null,
                        "rwsem '" + name + "' (write)", this::holders);
                if (!got) {
                    queue.remove(w);
                    grant();
                    throw new KernelException(Errno.EINTR, "down_write_killable", "fatal signal while waiting");
                }
                stats.acquired(System.nanoTime() - start, true);
            }
        } finally {
            lk.unlock();
        }
        k.lockdep.acquired(t, name, name, this, false);
    }

    @Override
    public boolean tryDownWrite() {
        HostedTask t = k.self("down_write_trylock");
        lk.lock();
        try {
            if (writer != null || !readers.isEmpty()) {
                return false;
            }
            k.lockdep.acquire(t, name, name, this, false, true);
            writer = t;
            stats.acquired(0, false);
        } finally {
            lk.unlock();
        }
        k.lockdep.acquired(t, name, name, this, false);
        return true;
    }

    @Override
    public void upWrite() {
        HostedTask t = k.self("up_write");
        lk.lock();
        try {
            if (writer != t) {
                k.lockdep.release(t, this, name);
                throw new KernelException(Errno.EPERM, "up_write:owner",
                        "task '" + t.name + "' releases rwsem '" + name + "' it does not hold for write");
            }
            k.lockdep.release(t, this, name);
            writer = null;
            grant();
        } finally {
            lk.unlock();
        }
    }

    @Override
    public void downgradeWrite() {
        HostedTask t = k.self("downgrade_write");
        lk.lock();
        try {
            if (writer != t) {
                throw new KernelException(Errno.EPERM, "downgrade_write:owner",
                        "task '" + t.name + "' downgrades rwsem '" + name + "' it does not hold for write");
            }
            k.lockdep.release(t, this, name);
            k.lockdep.acquired(t, name, name, this, true);
            writer = null;
            readers.add(t);
            wakeReaders();
        } finally {
            lk.unlock();
        }
    }

    private void grant() {
        Waiter head = queue.peek();
        if (head == null || writer != null || !readers.isEmpty() && head.write) {
            return;
        }
        if (head.write) {
            queue.poll();
            writer = head.task;
            head.granted = true;
        } else {
            wakeReaders();
        }
        cv.signalAll();
        k.progress.incrementAndGet();
    }

    private void wakeReaders() {
        for (Iterator<Waiter> it = queue.iterator(); it.hasNext();) {
            Waiter w = it.next();
            if (!w.write) {
                it.remove();
                readers.add(w.task);
                w.granted = true;
            }
        }
        cv.signalAll();
    }

    @Override
    public int readers() {
        lk.lock();
        try {
            return readers.size();
        } finally {
            lk.unlock();
        }
    }

    @Override
    public Task writer() {
        return writer;
    }

    @Override
    public void assertWriteHeld() {
        HostedTask t = k.currentOrNull();
        if (t == null || writer != t) {
            throw new IllegalStateException("lockdep_assert_held_write: rwsem '" + name + "' not write-held by current");
        }
    }

    @Override
    public boolean heldByCurrent() {
        HostedTask t = k.currentOrNull();
        if (t == null) {
            return false;
        }
        lk.lock();
        try {
            return writer == t || readers.contains(t);
        } finally {
            lk.unlock();
        }
    }

    @Override
    public boolean isContended() {
        lk.lock();
        try {
            return !queue.isEmpty();
        } finally {
            lk.unlock();
        }
    }
}
