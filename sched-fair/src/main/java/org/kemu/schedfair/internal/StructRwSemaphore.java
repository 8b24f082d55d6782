package org.kemu.schedfair.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.RwSemaphore;
import org.kemu.schedfair.Task;

/**
 * {@code struct rw_semaphore} (kernel/locking/rwsem.c). New readers queue behind any waiter, so a
 * waiting writer blocks later readers. On release to waiters: a writer at the head gets the lock
 * alone; a reader at the head is woken together with every queued reader, writers keeping their
 * places (rwsem_mark_wake wakes all readers in the queue since Linux 5.3).
 */
public final class StructRwSemaphore extends LockBase implements RwSemaphore {
    private record Waiter(TaskStruct task, boolean write) {
    }

    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    private final List<TaskStruct> readers = new ArrayList<>();
    private volatile TaskStruct writer;

    public StructRwSemaphore(SchedSeam seam, String name) {
        super(seam, name, "rwsem");
    }

    private List<String> holders() {
        List<String> h = new ArrayList<>();
        TaskStruct w = writer;
        if (w != null) {
            h.add(w + " (write)");
        }
        for (TaskStruct r : readers) {
            h.add(r + " (read)");
        }
        return h;
    }

    @Override
    public void downRead() {
        TaskStruct t = seam.self("down_read");
        seam.lockdep().acquire(t, name, name, this, true, false);
        seam.chargeLockAcquire(t, lastCpu);
        guard.lock();
        try {
            if (writer == null && queue.isEmpty()) {
                readers.add(t);
                stats.acquired(0, false);
            } else {
                long start = seam.now();
                queue.add(new Waiter(t, false));
                seam.block(t, guard, "rwsem '" + name + "' (read)", this::holders, null);
                contended(t, start);
            }
            lastCpu = t.cpu;
        } finally {
            guard.unlock();
        }
        seam.lockdep().acquired(t, name, name, this, true);
    }

    @Override
    public boolean tryDownRead() {
        TaskStruct t = seam.self("down_read_trylock");
        guard.lock();
        try {
            if (writer != null || !queue.isEmpty()) {
                return false;
            }
            seam.lockdep().acquire(t, name, name, this, true, true);
            readers.add(t);
            lastCpu = t.cpu;
            stats.acquired(0, false);
        } finally {
            guard.unlock();
        }
        seam.lockdep().acquired(t, name, name, this, true);
        return true;
    }

    @Override
    public void upRead() {
        TaskStruct t = seam.self("up_read");
        guard.lock();
        try {
            boolean held = readers.remove(t);
            seam.lockdep().release(t, this, name);
            if (!held) {
                throw new KernelException(Errno.EPERM, "up_read:owner",
                        "task '" + t.name + "' releases rwsem '" + name + "' it does not hold for read");
            }
            if (readers.isEmpty()) {
                grant();
            }
        } finally {
            guard.unlock();
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
        TaskStruct t = seam.self("down_write");
        if (killable && t.fatalSignal) {
            throw new KernelException(Errno.EINTR, "down_write_killable", "fatal signal pending");
        }
        seam.lockdep().acquire(t, name, name, this, false, false);
        seam.chargeLockAcquire(t, lastCpu);
        guard.lock();
        try {
            if (writer == null && readers.isEmpty() && queue.isEmpty()) {
                writer = t;
                stats.acquired(0, false);
            } else {
                long start = seam.now();
                Waiter w = new Waiter(t, true);
                queue.add(w);
                seam.block(t, guard, "rwsem '" + name + "' (write)", this::holders,
                        killable ? () -> giveUp(w) : null);
                if (writer != t) {
                    throw new KernelException(Errno.EINTR, "down_write_killable", "fatal signal while waiting");
                }
                contended(t, start);
            }
            lastCpu = t.cpu;
        } finally {
            guard.unlock();
        }
        seam.lockdep().acquired(t, name, name, this, false);
    }

    /**
     * A killed writer leaves the queue; readers it held back may go now (rwsem_down_write_slowpath's
     * out_nolock path calls rwsem_mark_wake).
     */
    private void giveUp(Waiter w) {
        queue.remove(w);
        grant();
    }

    @Override
    public boolean tryDownWrite() {
        return tryAcquire(seam.self("down_write_trylock"), () -> writer != null || !readers.isEmpty(), t -> writer = t);
    }

    @Override
    public void upWrite() {
        TaskStruct t = seam.self("up_write");
        guard.lock();
        try {
            TaskStruct w = writer;
            seam.lockdep().release(t, this, name);
            if (w != t) {
                throw new KernelException(Errno.EPERM, "up_write:owner",
                        "task '" + t.name + "' releases rwsem '" + name + "' it does not hold for write");
            }
            writer = null;
            grant();
        } finally {
            guard.unlock();
        }
    }

    @Override
    public void downgradeWrite() {
        TaskStruct t = seam.self("downgrade_write");
        guard.lock();
        try {
            if (writer != t) {
                throw new KernelException(Errno.EPERM, "downgrade_write:owner",
                        "task '" + t.name + "' downgrades rwsem '" + name + "' it does not hold for write");
            }
            seam.lockdep().release(t, this, name);
            seam.lockdep().acquired(t, name, name, this, true);
            writer = null;
            readers.add(t);
            wakeReaders();
        } finally {
            guard.unlock();
        }
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
            seam.wake(head.task());
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
                seam.wake(w.task());
            }
        }
    }

    @Override
    public int readers() {
        guard.lock();
        try {
            return readers.size();
        } finally {
            guard.unlock();
        }
    }

    @Override
    public Task writer() {
        return writer;
    }

    @Override
    public void assertWriteHeld() {
        TaskStruct t = seam.currentOrNull();
        if (t == null || writer != t) {
            throw new IllegalStateException("lockdep_assert_held_write: rwsem '" + name + "' not write-held by current");
        }
    }

    @Override
    public boolean heldByCurrent() {
        TaskStruct t = seam.currentOrNull();
        if (t == null) {
            return false;
        }
        guard.lock();
        try {
            return writer == t || readers.contains(t);
        } finally {
            guard.unlock();
        }
    }

    @Override
    public boolean isContended() {
        guard.lock();
        try {
            return !queue.isEmpty();
        } finally {
            guard.unlock();
        }
    }

    @Override
    public int nrWaiters() {
        guard.lock();
        try {
            return queue.size();
        } finally {
            guard.unlock();
        }
    }
}
