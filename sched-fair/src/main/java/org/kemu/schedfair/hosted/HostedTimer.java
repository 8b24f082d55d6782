package org.kemu.schedfair.hosted;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.kemu.schedfair.KernelTimer;

/** A hosted hrtimer on one shared timer thread (callbacks run in "interrupt context" there). */
final class HostedTimer implements KernelTimer {
    private final HostedKernel k;
    private final ScheduledThreadPoolExecutor exec;
    private final String name;
    private final Runnable callback;
    private ScheduledFuture<?> future;
    private long expires = -1;

    HostedTimer(HostedKernel k, ScheduledThreadPoolExecutor exec, String name, Runnable callback) {
        this.k = k;
        this.exec = exec;
        this.name = name;
        this.callback = callback;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized void start(long expiresNs) {
        if (future != null) {
            future.cancel(false);
        }
        expires = expiresNs;
        long delay = Math.max(0, expiresNs - k.now());
        future = exec.schedule(this::fire, delay, TimeUnit.NANOSECONDS);
    }

    private void fire() {
        synchronized (this) {
            expires = -1;
            future = null;
        }
        try {
            callback.run();
        } catch (RuntimeException e) {
            k.timerFailed(name, e);
        }
    }

    @Override
    public synchronized boolean cancel() {
        boolean was = future != null && future.cancel(false);
        future = null;
        expires = -1;
        return was;
    }

    @Override
    public synchronized boolean isArmed() {
        return future != null;
    }

    @Override
    public synchronized long expires() {
        return expires;
    }
}
