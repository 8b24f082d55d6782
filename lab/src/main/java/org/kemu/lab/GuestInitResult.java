package org.kemu.lab;

/**
 * What an emulated qemu guest init measured (virtual time unless said otherwise).
 *
 * @param pinNs the largest MAP_DMA (guest RAM), as docs/calibration-inputs.md's "pin"
 * @param initNs qemu invocation to the end of guest init, as docs/calibration-inputs.md's "qemu init"
 * @param preallocNs qemu's own prealloc (0 without)
 * @param otherNs qemu's other setup
 * @param pin what the type1 container's pin path and IOMMU domain did (times summed over the tasks
 *     that pinned)
 * @param totalLockWaitNs time tasks waited for any lock over the whole init (mmap lock, container
 *     mutex, zone locks), summed over tasks
 * @param lockWaitNs time tasks waited for locks over the whole init, by lock class
 * @param events engine events of the run
 * @param eventHash hash of the run's event sequence (equal for equal inputs and seed)
 * @param invariantViolations what the invariant checkers found after the init (empty when all hold)
 * @param wallNanos real time the emulation took (non-deterministic, like pinWallNanos)
 * @param pinWallNanos real time the emulation of the RAM MAP_DMA (the pin) took
 */
public record GuestInitResult(long pinNs, long initNs, long preallocNs, long otherNs,
        org.kemu.vfiotype1.Type1Stats pin, long totalLockWaitNs, java.util.SortedMap<String, Long> lockWaitNs, long events, long eventHash,
        java.util.List<String> invariantViolations, long wallNanos, long pinWallNanos) {

    public double pinSeconds() {
        return pinNs / 1e9;
    }

    public double initSeconds() {
        return initNs / 1e9;
    }
}
