package org.kemu.schedfair.internal;

import org.kemu.schedfair.LockStats;

/** Mutable per-lock counters behind {@link LockStats}; callers serialise updates. */
public final class LockStatsRecorder {
    private final String name;
    private final String kind;
    private long acquisitions;
    private long contentions;
    private long totalWaitNs;
    private long maxWaitNs;

    public LockStatsRecorder(String name, String kind) {
        this.name = name;
        this.kind = kind;
    }

    public synchronized void acquired(long waitNs, boolean contended) {
        acquisitions++;
        if (contended) {
            contentions++;
            totalWaitNs += waitNs;
            maxWaitNs = Math.max(maxWaitNs, waitNs);
        }
    }

    public synchronized LockStats snapshot() {
        return new LockStats(name, kind, acquisitions, contentions, totalWaitNs, maxWaitNs);
    }
}
