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
 * {@code struct rw_semaphore} (kernel/locking/rwsem.c as of Linux 5.14). Readers share it, a writer
 * is exclusive, and on release to the wait list a writer at the head is woken alone while a reader at
 * the head is granted the lock together with every queued reader, writers keeping their places
 * (rwsem_mark_wake, all readers up to MAX_READERS_WAKEUP since 5.3).
 *
 * <p>Where the backend {@linkplain SchedSeam#optimisticSpinning models it} (the simulated one), the
 * lock word behaves as 5.14's count/owner do:
 * <ul>
 * <li>a writer that misses the fast path spins on the CPU (rwsem_optimistic_spin, the osq in FIFO
 * order) while the owner is a writer executing on a CPU, or, on a reader-owned lock, for at most
 * rwsem_rspin_threshold; past it the lock is marked RWSEM_NONSPINNABLE and the writer sleeps;
 * the last up_read with waiters queued clears that mark again (__up_read -> clear_nonspinnable);
 * spinners take a freed lock before sleeping waiters (rwsem_try_write_lock_unqueued) unless a
 * reader at the head, waiting past RWSEM_WAIT_TIMEOUT, set RWSEM_FLAG_HANDOFF (rwsem_mark_wake);</li>
 * <li>a woken writer is not handed the lock: it retries (rwsem_try_write_lock) and, first in line
 * for longer than RWSEM_WAIT_TIMEOUT, sets RWSEM_FLAG_HANDOFF, which stops stealing;</li>
 * <li>a reader that misses the fast path (RWSEM_FLAG_WAITERS) queues if other readers hold the lock
 * or a writer does, and otherwise steals it (reader optimistic lock stealing, 1a728dff855a, v5.11;
 * the "rcnt &gt; 1" rule of 2f06f702925b is in the same v5.11 series).</li>
 * </ul>
 * On the hosted backend waiting is real blocking and the lock goes to the head of the queue.
 */
public final class StructRwSemaphore extends LockBase implements RwSemaphore {
    /** RWSEM_WAIT_TIMEOUT = DIV_ROUND_UP(HZ, 250) jiffies: 4 at HZ=1000, 1 at HZ=250 or 100. */
    private final long waitTimeoutJiffies;
    /** MAX_READERS_WAKEUP: rwsem_mark_wake wakes at most this many readers at once. */
    static final int MAX_READERS_WAKEUP = 0x100;

    private static final class Waiter {
        final TaskStruct task;
        final boolean write;
        /** waiter.timeout = jiffies + RWSEM_WAIT_TIMEOUT, when it queued. */
        final long timeout;

        Waiter(TaskStruct task, boolean write, long timeout) {
            this.task = task;
            this.write = write;
            this.timeout = timeout;
        }
    }

    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    private final List<TaskStruct> readers = new ArrayList<>();
    private volatile TaskStruct writer;
    private final boolean model514;
    /** Writers in rwsem_optimistic_spin, in osq order; the head spins on the owner. */
    private final ArrayDeque<TaskStruct> spinners = new ArrayDeque<>();
    /** RWSEM_FLAG_HANDOFF, and the waiter that set it. */
    private Waiter handoff;
    /** The waiter that set RWSEM_FLAG_HANDOFF, while it spins on a writer owner (rwsem_spin_on_owner). */
    private TaskStruct handoffSpinner;
    /** RWSEM_NONSPINNABLE in sem->owner: cleared when a writer next owns the lock. */
    private boolean nonspinnable;
    /** The head spinner's rspin_threshold on a reader-owned lock. */
    private final HrTimer rspinTimer;

    public StructRwSemaphore(SchedSeam seam, String name, String lockClass) {
        super(seam, name, lockClass, "rwsem");
        this.model514 = seam.optimisticSpinning();
        this.waitTimeoutJiffies = Math.ceilDiv(seam.ticks().hz(), 250);
        this.rspinTimer = new HrTimer(seam, "rwsem_rspin:" + name, this::rspinExpired);
    }

    /** {@link #holders}, bound once: a waiter hands it to the seam on every wait. */
    private final java.util.function.Supplier<List<String>> holdersView = this::holders;

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

    private long jiffies() {
        return seam.ticks().jiffies(seam.now());
    }

    private boolean lockFree() {
        return writer == null && readers.isEmpty();
    }

    @Override
    public void downRead() {
        TaskStruct t = seam.self("down_read");
        seam.lockdep().acquire(t, lockClass, name, this, true, false);
        seam.chargeLockAcquire(t, lastCpu);
        guard.lock();
        try {
            if (writer == null && queue.isEmpty() && handoff == null) {
                // rwsem_read_trylock: no RWSEM_READ_FAILED_MASK bit set
                readers.add(t);
                stats.acquired(0, false);
            } else if (model514 && lockFree() && handoff == null) {
                // rwsem_down_read_slowpath: not reader-owned by others (rcnt == 1), no writer, no
                // handoff: steal, and as the first reader wake the readers at the head
                readers.add(t);
                stats.acquired(0, false);
                markWake(false);
            } else {
                long start = seam.now();
                queue.add(new Waiter(t, false, jiffies() + waitTimeoutJiffies));
                seam.block(t, guard, waitLabel(0, " (read)"), holdersView, null);
                contended(t, start);
            }
            lastCpu = t.cpu;
        } finally {
            guard.unlock();
        }
        seam.lockdep().acquired(t, lockClass, name, this, true);
    }

    @Override
    public boolean tryDownRead() {
        TaskStruct t = seam.self("down_read_trylock");
        guard.lock();
        try {
            if (writer != null || !queue.isEmpty() || handoff != null) {
                return false;
            }
            seam.lockdep().acquire(t, lockClass, name, this, true, true);
            readers.add(t);
            lastCpu = t.cpu;
            stats.acquired(0, false);
        } finally {
            guard.unlock();
        }
        seam.lockdep().acquired(t, lockClass, name, this, true);
        return true;
    }

    @Override
    public void upRead() {
        TaskStruct t = seam.self("up_read");
        // __up_read is an atomic RMW on sem->count (atomic_long_add_return_release), like the
        // down_read that took it: when another CPU's down_read or up_read moved the count's line
        // since, this one pulls it back before the lock is released. (rwsem_set_reader_owned's store
        // to sem->owner shares that line and costs nothing more.) lastCpu is read outside the guard,
        // as down_read reads it: a stale value prices one transfer, it corrupts nothing.
        seam.chargeLineTransfer(t, lastCpu);
        guard.lock();
        try {
            boolean held = readers.remove(t);
            seam.lockdep().release(t, this, name);
            if (!held) {
                throw new KernelException(Errno.EPERM, "up_read:owner",
                        "task '" + t.name + "' releases rwsem '" + name + "' it does not hold for read");
            }
            lastCpu = t.cpu;
            if (readers.isEmpty()) {
                if (model514 && !queue.isEmpty()) {
                    // __up_read: the count reached (no lock, RWSEM_FLAG_WAITERS); clear_nonspinnable
                    // runs before rwsem_wake, so the next writer may spin on the next reader phase
                    nonspinnable = false;
                }
                freed();
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
        seam.lockdep().acquire(t, lockClass, name, this, false, false);
        seam.chargeLockAcquire(t, lastCpu);
        guard.lock();
        try {
            if (lockFree() && queue.isEmpty() && handoff == null) {
                // rwsem_write_trylock: count was RWSEM_UNLOCKED_VALUE
                setWriter(t);
                stats.acquired(0, false);
            } else {
                long start = seam.now();
                if (!(model514 && canSpinOnOwner() && optimisticSpin(t))) {
                    waitForWrite(t, killable);
                }
                contended(t, start);
            }
            lastCpu = t.cpu;
        } finally {
            guard.unlock();
        }
        seam.lockdep().acquired(t, lockClass, name, this, false);
    }

    /** rwsem_set_owner: the writer's task in sem->owner, which clears RWSEM_NONSPINNABLE. */
    private void setWriter(TaskStruct t) {
        writer = t;
        nonspinnable = false;
    }

    /** rwsem_down_write_slowpath's wait: queued, sleeping, and (5.14) retrying when woken. */
    private void waitForWrite(TaskStruct t, boolean killable) {
        Waiter w = new Waiter(t, true, jiffies() + waitTimeoutJiffies);
        queue.add(w);
        String on = waitLabel(1, " (write)");
        if (!model514) {
            seam.block(t, guard, on, holdersView, killable ? () -> giveUp(w) : null);
            if (writer != t) {
                throw new KernelException(Errno.EINTR, "down_write_killable", "fatal signal while waiting");
            }
            return;
        }
        while (!tryWriteLock(w)) {
            if (handoff == w && handoffSpinOnOwner(t)) {
                // the owner released the lock while we spun on it: trylock again without sleeping
                continue;
            }
            seam.block(t, guard, on, holdersView, killable ? () -> giveUp(w) : null);
            if (!queue.contains(w)) {
                throw new KernelException(Errno.EINTR, "down_write_killable", "fatal signal while waiting");
            }
        }
    }

    /**
     * rwsem_down_write_slowpath after setting RWSEM_FLAG_HANDOFF and failing to take the lock: with
     * wstate WRITER_HANDOFF it calls rwsem_spin_on_owner, which spins only on a writer owner that is
     * on a CPU (a reader owner or RWSEM_NONSPINNABLE returns at once, and the writer sleeps) and
     * returns when the owner changes. True when the writer spun and the lock was released meanwhile.
     */
    private boolean handoffSpinOnOwner(TaskStruct t) {
        TaskStruct owner = writer;
        if (nonspinnable || owner == null || !seam.onCpu(owner)) {
            return false;
        }
        handoffSpinner = t;
        seam.spin(t, guard, waitLabel(3, " (write, handoff spinning)"), holdersView);
        return true;
    }

    /**
     * rwsem_try_write_lock: a free lock is taken unless another waiter set the handoff; a held one
     * gets RWSEM_FLAG_HANDOFF from the first waiter once its RWSEM_WAIT_TIMEOUT has passed
     * (time_after(jiffies, waiter.timeout), checked when the waiter is woken).
     */
    private boolean tryWriteLock(Waiter w) {
        boolean first = queue.peek() == w;
        if (handoff != null && handoff != w && !first) {
            return false;
        }
        if (!lockFree()) {
            if (first && handoff == null && jiffies() > w.timeout) {
                handoff = w;
            }
            return false;
        }
        if (handoff != null && handoff != w) {
            return false;
        }
        queue.remove(w);
        handoff = null;
        setWriter(w.task);
        return true;
    }

    /**
     * rwsem_can_spin_on_owner: not RWSEM_NONSPINNABLE, and the owner, if a writer, on a CPU.
     */
    private boolean canSpinOnOwner() {
        if (nonspinnable) {
            return false;
        }
        TaskStruct w = writer;
        return w == null || seam.onCpu(w);
    }

    /**
     * rwsem_optimistic_spin: the writer joins the osq and burns its CPU until it takes the lock
     * (rwsem_try_write_lock_unqueued, ahead of sleeping waiters) or the reader-owned lock passes the
     * head spinner's rspin threshold. True when it took the lock.
     */
    private boolean optimisticSpin(TaskStruct t) {
        if (lockFree() && handoff == null) {
            setWriter(t);
            return true;
        }
        spinners.add(t);
        if (spinners.peek() == t && writer == null) {
            armRspin();
        }
        seam.spin(t, guard, waitLabel(2, " (write, spinning)"), holdersView);
        return writer == t;
    }

    /**
     * rwsem_rspin_threshold: (20 + readers, at most 30) * NSEC_PER_USEC / 2 from when the head
     * spinner first saw the lock reader-owned (10 to 25 us).
     */
    static long rspinThresholdNs(int nrReaders) {
        return (20L + Math.min(nrReaders, 30)) * 1000L / 2;
    }

    private void armRspin() {
        seam.armTimer(rspinTimer, seam.now() + rspinThresholdNs(readers.size()));
    }

    /**
     * The head spinner passed its threshold on a reader-owned lock: rwsem_set_nonspinnable, and
     * every spinner (the rest would see RWSEM_NONSPINNABLE next, rwsem_spin_on_owner) leaves to sleep.
     */
    private void rspinExpired() {
        guard.lock();
        try {
            if (spinners.isEmpty() || writer != null) {
                return;
            }
            nonspinnable = true;
            for (TaskStruct s; (s = spinners.poll()) != null;) {
                seam.endSpin(s);
            }
        } finally {
            guard.unlock();
        }
    }

    /**
     * A killed writer leaves the queue, dropping the handoff it set; readers it held back may go now
     * (rwsem_down_write_slowpath's out_nolock path calls rwsem_mark_wake).
     */
    private void giveUp(Waiter w) {
        queue.remove(w);
        if (handoff == w) {
            handoff = null;
        }
        if (model514) {
            if (lockFree()) {
                freed();
            } else if (writer == null) {
                markWake(false);
            }
        } else {
            grant();
        }
    }

    @Override
    public boolean tryDownWrite() {
        return tryAcquire(seam.self("down_write_trylock"),
                () -> writer != null || !readers.isEmpty() || !queue.isEmpty() || handoff != null, this::setWriter);
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
            freed();
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
            seam.lockdep().acquired(t, lockClass, name, this, true);
            writer = null;
            readers.add(t);
            TaskStruct h = handoffSpinner;
            if (h != null) {
                // rwsem_spin_on_owner: the owner became reader-owned (OWNER_READER), stop spinning
                handoffSpinner = null;
                seam.endSpin(h);
            }
            wakeReaders();
            if (!spinners.isEmpty()) {
                armRspin();
            }
        } finally {
            guard.unlock();
        }
    }

    /** The lock just became free (up_write, the last up_read). */
    private void freed() {
        if (!model514) {
            grant();
            return;
        }
        TaskStruct s = handoff == null ? spinners.poll() : null;
        if (s != null) {
            // the head spinner's cmpxchg wins the freed lock (rwsem_try_write_lock_unqueued)
            seam.cancelTimer(rspinTimer);
            setWriter(s);
            seam.endSpin(s);
            wakeAfterSteal();
            return;
        }
        TaskStruct h = handoffSpinner;
        if (h != null) {
            // the handoff writer's rwsem_spin_on_owner sees the owner change to NULL and retries
            handoffSpinner = null;
            seam.endSpin(h);
            return;
        }
        markWake(true);
    }

    /**
     * The releaser's rwsem_wake still runs rwsem_mark_wake(RWSEM_WAKE_ANY) after a spinner took the
     * lock (up_write and up_read decide on rwsem_wake from the count they saw at release): a writer
     * at the head is woken, retries (rwsem_try_write_lock) and, first past its RWSEM_WAIT_TIMEOUT,
     * sets RWSEM_FLAG_HANDOFF; a reader at the head sets it itself.
     */
    private void wakeAfterSteal() {
        Waiter head = queue.peek();
        if (head == null) {
            return;
        }
        if (head.write) {
            seam.wake(head.task);
        } else {
            readerHandoff();
        }
    }

    /**
     * rwsem_wake -> rwsem_mark_wake(RWSEM_WAKE_ANY) after the release, finding that a spinner took the
     * lock first: a reader at the head backs its grant out and, once waiting past its
     * RWSEM_WAIT_TIMEOUT (time_after(jiffies, waiter->timeout)), sets RWSEM_FLAG_HANDOFF, so that the
     * next release goes to the queue, not to a spinner.
     */
    private void readerHandoff() {
        Waiter head = queue.peek();
        if (head != null && !head.write && handoff == null && jiffies() > head.timeout) {
            handoff = head;
        }
    }

    /**
     * rwsem_mark_wake: a writer at the head is woken alone (RWSEM_WAKE_ANY only) and retries for the
     * lock itself; readers at the head are granted it with every queued reader.
     */
    private void markWake(boolean any) {
        Waiter head = queue.peek();
        if (head == null) {
            return;
        }
        if (head.write) {
            if (any) {
                seam.wake(head.task);
            }
            return;
        }
        wakeReaders();
    }

    /** Hosted: hands the free lock to the head of the queue (a writer alone, or every queued reader). */
    private void grant() {
        Waiter head = queue.peek();
        if (head == null || writer != null || !readers.isEmpty() && head.write) {
            return;
        }
        if (head.write) {
            queue.poll();
            writer = head.task;
            seam.wake(head.task);
        } else {
            wakeReaders();
        }
    }

    private void wakeReaders() {
        int woken = 0;
        boolean ownedBefore = !readers.isEmpty();
        for (Iterator<Waiter> it = queue.iterator(); it.hasNext() && woken < MAX_READERS_WAKEUP;) {
            Waiter w = it.next();
            if (!w.write) {
                it.remove();
                readers.add(w.task);
                seam.wake(w.task);
                woken++;
            }
        }
        if (woken > 0 && model514) {
            // rwsem_mark_wake: once readers are woken, RWSEM_FLAG_HANDOFF is no longer needed
            if (handoff != null && !handoff.write) {
                handoff = null;
            }
            if (!ownedBefore && !spinners.isEmpty() && writer == null) {
                // the spinners now see a reader owner (rwsem_spin_on_owner -> OWNER_READER) and the
                // head one starts its rspin threshold (rwsem_optimistic_spin)
                armRspin();
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
