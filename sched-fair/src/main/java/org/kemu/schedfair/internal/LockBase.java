package org.kemu.schedfair.internal;

import org.kemu.schedfair.KernelLock;
import org.kemu.schedfair.LockStats;

/** What every lock of both backends shares: its name, lockdep class, statistics and assertHeld. */
public abstract class LockBase implements KernelLock {
    protected final String name;
    protected final String kind;
    protected final LockStatsRecorder stats;

    protected LockBase(String name, String kind, LockStatsRecorder stats) {
        this.name = name;
        this.kind = kind;
        this.stats = stats;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String lockClass() {
        return name;
    }

    @Override
    public LockStats stats() {
        return stats.snapshot();
    }

    @Override
    public void assertHeld() {
        if (!heldByCurrent()) {
            throw new IllegalStateException("lockdep_assert_held: " + kind + " '" + name + "' not held by current");
        }
    }
}
