package org.kemu.schedfair.hosted;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.kemu.schedfair.WaitQueue;

/**
 * A hosted wait queue. The condition is checked and the wait begun under the queue's lock, and
 * wakeUp takes the same lock, so a wake-up between the check and the wait cannot be lost.
 */
final class HostedWaitQueue implements WaitQueue {
    private final HostedKernel k;
    private final String name;
    private final ReentrantLock lk = new ReentrantLock();
    private final Condition cv = lk.newCondition();
    private final AtomicInteger waiters = new AtomicInteger();

    HostedWaitQueue(HostedKernel k, String name) {
        this.k = k;
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void waitEvent(BooleanSupplier condition) {
        if (!k.inTask()) {
            throw new IllegalStateException("wait_event('" + name + "') called outside an emulated task");
        }
        HostedTask t = k.self("wait_event");
        lk.lock();
        waiters.incrementAndGet();
        try {
            k.await(t, lk, cv, condition, null, "wait queue '" + name + "'", List::of);
        } finally {
            waiters.decrementAndGet();
            lk.unlock();
        }
    }

    @Override
    public void wakeUp() {
        lk.lock();
        try {
            cv.signalAll();
            k.progress.incrementAndGet();
        } finally {
            lk.unlock();
        }
    }

    @Override
    public int waiters() {
        return waiters.get();
    }
}
