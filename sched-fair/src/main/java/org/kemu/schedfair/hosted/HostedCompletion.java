package org.kemu.schedfair.hosted;

import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.kemu.schedfair.Completion;

/** A hosted completion. */
final class HostedCompletion implements Completion {
    private static final long ALL = Long.MAX_VALUE / 2;

    private final HostedKernel k;
    private final String name;
    private final ReentrantLock lk = new ReentrantLock();
    private final Condition cv = lk.newCondition();
    private long done;

    HostedCompletion(HostedKernel k, String name) {
        this.k = k;
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void waitForCompletion() {
        if (!k.inTask()) {
            throw new IllegalStateException("wait_for_completion('" + name + "') called outside an emulated task");
        }
        HostedTask t = k.self("wait_for_completion");
        lk.lock();
        try {
            k.await(t, lk, cv, () -> done > 0, null, "completion '" + name + "'", List::of);
            if (done < ALL) {
                done--;
            }
        } finally {
            lk.unlock();
        }
    }

    @Override
    public void complete() {
        lk.lock();
        try {
            if (done < ALL) {
                done++;
            }
            cv.signalAll();
            k.progress.incrementAndGet();
        } finally {
            lk.unlock();
        }
    }

    @Override
    public void completeAll() {
        lk.lock();
        try {
            done = ALL;
            cv.signalAll();
            k.progress.incrementAndGet();
        } finally {
            lk.unlock();
        }
    }

    @Override
    public boolean done() {
        lk.lock();
        try {
            return done > 0;
        } finally {
            lk.unlock();
        }
    }

    @Override
    public void reinit() {
        lk.lock();
        try {
            done = 0;
        } finally {
            lk.unlock();
        }
    }
}
