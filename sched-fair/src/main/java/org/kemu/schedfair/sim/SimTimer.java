package org.kemu.schedfair.sim;

import org.kemu.schedfair.KernelTimer;

/** An hrtimer on the virtual clock; re-arming invalidates the old heap entry by generation. */
final class SimTimer implements KernelTimer {
    private final SimKernel k;
    private final String name;
    final Runnable callback;
    long expires = -1;
    long generation;

    SimTimer(SimKernel k, String name, Runnable callback) {
        this.k = k;
        this.name = name;
        this.callback = callback;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void start(long expiresNs) {
        k.armTimer(this, expiresNs);
    }

    @Override
    public boolean cancel() {
        return k.cancelTimer(this);
    }

    @Override
    public boolean isArmed() {
        return expires >= 0;
    }

    @Override
    public long expires() {
        return expires;
    }

    /** A heap entry: valid while the timer's generation is unchanged. */
    record Entry(long at, long seq, SimTimer timer, long generation) {
    }
}
