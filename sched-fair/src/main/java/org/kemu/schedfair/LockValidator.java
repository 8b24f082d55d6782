package org.kemu.schedfair;

import java.util.List;

/**
 * The runtime's lock validator, a small lockdep. It learns the order in which lock classes are
 * taken, across all tasks, and reports an inversion the moment an acquisition closes a cycle, even
 * if the run happens not to deadlock. Reports are collected (and logged); with
 * {@link #setFailFast(boolean)} the offending acquisition throws {@link KernelException} EDEADLK.
 */
public interface LockValidator {
    List<LockViolation> violations();

    void setFailFast(boolean failFast);

    /**
     * A pseudo lock ({@code struct lockdep_map}) that takes part in ordering without excluding
     * anyone. padata uses one per job: helpers "hold" it around each chunk, and the main thread
     * takes and drops it just before waiting for them, so a lock the main thread holds while
     * waiting, and a helper takes, closes a cycle (patch 4 of the 2022 series).
     */
    LockMap lockMap(String name);

    /** A lockdep map: acquiring and releasing record order only. */
    interface LockMap {
        String name();

        void acquire();

        void release();
    }
}
