package org.kemu.schedfair.internal;

import org.kemu.schedfair.KernelTimer;

/**
 * {@code struct hrtimer}: the backend keeps it in its timer queue ({@link SchedSeam#armTimer});
 * re-arming bumps the generation, which invalidates what the queue held for the old expiry.
 */
public final class HrTimer implements KernelTimer {
    private final SchedSeam seam;
    private final String name;
    public final Runnable callback;
    /** The armed expiry, or -1. */
    public volatile long expires = -1;
    public long generation;
    /** The backend's handle on the pending expiry (the hosted backend's scheduled future). */
    public Object pending;
    /** The simulated backend's timer-queue key (expiry, then arm order) and heap slot (-1: not queued). */
    public long queueAt;
    public long queueSeq;
    public int queueIndex = -1;

    public HrTimer(SchedSeam seam, String name, Runnable callback) {
        this.seam = seam;
        this.name = name;
        this.callback = callback;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void start(long expiresNs) {
        seam.armTimer(this, expiresNs);
    }

    @Override
    public boolean cancel() {
        return seam.cancelTimer(this);
    }

    @Override
    public boolean isArmed() {
        return expires >= 0;
    }

    @Override
    public long expires() {
        return expires;
    }
}
