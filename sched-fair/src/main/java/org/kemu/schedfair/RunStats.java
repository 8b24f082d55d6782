package org.kemu.schedfair;

import java.util.List;

/**
 * What a run produced.
 *
 * @param endTimeNs virtual time when the last task exited (real elapsed ns when hosted)
 * @param events number of engine events processed (0 when hosted)
 * @param eventHash a hash of the whole event sequence (time, CPU, task, kind of every event): two
 *     runs with the same inputs and seed give the same hash; 0 when hosted, which is not deterministic
 * @param cpuBusyNs per CPU, the ns it ran tasks (including spinning; excluding context switches)
 * @param locks statistics of every lock created in the run
 * @param violations what the lock validator found
 */
public record RunStats(long endTimeNs, long events, long eventHash, long[] cpuBusyNs, List<LockStats> locks,
        List<LockViolation> violations) {
}
