package org.kemu.schedfair.sim;

import org.kemu.schedfair.AtomicCounter;

/** A simulated atomic64_t whose RMW operations pay for pulling the cache line from another CPU. */
final class SimAtomic implements AtomicCounter {
    private final SimKernel k;
    private final String name;
    private long value;
    private int lastCpu = -1;
    private long transfers;

    SimAtomic(SimKernel k, String name, long initial) {
        this.k = k;
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
        value = v;
    }

    @Override
    public long addAndGet(long delta) {
        touch();
        value += delta;
        return value;
    }

    @Override
    public boolean compareAndSet(long expect, long update) {
        touch();
        if (value != expect) {
            return false;
        }
        value = update;
        return true;
    }

    private void touch() {
        if (!k.inTask()) {
            return;
        }
        SimTask t = k.self("atomic");
        if (lastCpu >= 0 && lastCpu != t.cpu) {
            transfers++;
            k.chargeLineTransfer(t, lastCpu, 0);
        }
        lastCpu = t.cpu;
    }

    @Override
    public long transfers() {
        return transfers;
    }
}
