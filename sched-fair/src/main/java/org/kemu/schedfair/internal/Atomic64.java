package org.kemu.schedfair.internal;

import org.kemu.schedfair.AtomicCounter;

/**
 * {@code atomic64_t}: a read-modify-write from another CPU than the last writer's pulls the cache
 * line over first, and pays for it ({@link SchedSeam#chargeLineTransfer}).
 */
public final class Atomic64 implements AtomicCounter {
    private final SchedSeam seam;
    private final SeamGuard guard;
    private final String name;
    private volatile long value;
    /** Where the line was last written: the writer's CPU, or its thread on the hosted backend. */
    private long lastWriter = -1;
    private long transfers;

    public Atomic64(SchedSeam seam, String name, long initial) {
        this.seam = seam;
        this.guard = seam.newGuard();
        this.name = name;
        this.value = initial;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long get() {
        return value;
    }

    @Override
    public void set(long v) {
        touch();
        guard.lock();
        value = v;
        guard.unlock();
    }

    @Override
    public long addAndGet(long delta) {
        touch();
        guard.lock();
        try {
            long v = value + delta;
            value = v;
            return v;
        } finally {
            guard.unlock();
        }
    }

    @Override
    public boolean compareAndSet(long expect, long update) {
        touch();
        guard.lock();
        try {
            if (value != expect) {
                return false;
            }
            value = update;
            return true;
        } finally {
            guard.unlock();
        }
    }

    private void touch() {
        TaskStruct t = seam.currentOrNull();
        if (t == null) {
            return;
        }
        long prev;
        boolean moved;
        guard.lock();
        try {
            prev = lastWriter;
            moved = prev != -1 && prev != home(t);
            if (moved) {
                transfers++;
            }
        } finally {
            guard.unlock();
        }
        if (moved) {
            // may let other tasks run: the line is this CPU's only once the transfer is paid for
            seam.chargeLineTransfer(t, (int) prev);
        }
        guard.lock();
        lastWriter = home(t);
        guard.unlock();
    }

    private static long home(TaskStruct t) {
        return t.cpu >= 0 ? t.cpu : -2 - t.id;
    }

    @Override
    public long transfers() {
        guard.lock();
        try {
            return transfers;
        } finally {
            guard.unlock();
        }
    }
}
