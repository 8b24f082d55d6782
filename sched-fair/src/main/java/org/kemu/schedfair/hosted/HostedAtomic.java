package org.kemu.schedfair.hosted;

import java.util.concurrent.atomic.AtomicLong;
import org.kemu.schedfair.AtomicCounter;

/** A real atomic; a transfer is counted when the writing thread changes. */
final class HostedAtomic implements AtomicCounter {
    private final String name;
    private final AtomicLong value;
    private final AtomicLong lastWriter = new AtomicLong(-1);
    private final AtomicLong transfers = new AtomicLong();

    HostedAtomic(String name, long initial) {
        this.name = name;
        this.value = new AtomicLong(initial);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long get() {
        return value.get();
    }

    @Override
    public void set(long v) {
        touch();
        value.set(v);
    }

    @Override
    public long addAndGet(long delta) {
        touch();
        return value.addAndGet(delta);
    }

    @Override
    public boolean compareAndSet(long expect, long update) {
        touch();
        return value.compareAndSet(expect, update);
    }

    private void touch() {
        long me = Thread.currentThread().threadId();
        long prev = lastWriter.getAndSet(me);
        if (prev >= 0 && prev != me) {
            transfers.incrementAndGet();
        }
    }

    @Override
    public long transfers() {
        return transfers.get();
    }
}
