package org.kemu.lab;

import org.kemu.vfiotype1.Type1Stats;

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
 * @param pinWallNanos real time the emulation of the largest MAP_DMA (the pin) took
 * @param mapDmaCalls every MAP_DMA qemu issued, in order (the pin is the largest)
 * @param cpuBusyNs per CPU, the virtual ns it ran tasks over the whole init ({@code RunStats.cpuBusyNs})
 * @param tlb the user-page TLB flushes and shootdown IPIs of the whole init
 */
public record GuestInitResult(long pinNs, long initNs, long preallocNs, long otherNs,
        org.kemu.vfiotype1.Type1Stats pin, long totalLockWaitNs, java.util.SortedMap<String, Long> lockWaitNs, long events, long eventHash,
        java.util.List<String> invariantViolations, long wallNanos, long pinWallNanos, java.util.List<MapDmaCall> mapDmaCalls,
        java.util.List<Long> cpuBusyNs, TlbFlushes tlb, MemcgUsage memcg) {

    /** Without a memory cgroup ({@link GuestSpec#NO_MEMCG}). */
    public GuestInitResult(long pinNs, long initNs, long preallocNs, long otherNs, org.kemu.vfiotype1.Type1Stats pin,
            long totalLockWaitNs, java.util.SortedMap<String, Long> lockWaitNs, long events, long eventHash,
            java.util.List<String> invariantViolations, long wallNanos, long pinWallNanos,
            java.util.List<MapDmaCall> mapDmaCalls, java.util.List<Long> cpuBusyNs, TlbFlushes tlb) {
        this(pinNs, initNs, preallocNs, otherNs, pin, totalLockWaitNs, lockWaitNs, events, eventHash,
                invariantViolations, wallNanos, pinWallNanos, mapDmaCalls, cpuBusyNs, tlb, null);
    }

    /**
     * qemu's memory cgroup at the end of the init (before any teardown), when it ran in one: what
     * the faults of the prealloc and the pin charged ({@code memory.current}, {@code memory.peak},
     * the {@code memory.events} max count) and the page-table pages of qemu's mm, of which those
     * charged to the group (5.14: a padata helper's charge nobody unless padata's ACTIVE_MEMCG is on).
     */
    public record MemcgUsage(long maxPages, long currentPages, long peakPages, long failcnt, long pgtablePages,
            long pgtablePagesCharged) {
    }

    /**
     * The user-page TLB flushes of one init (the x86 vmstat TLB counters over it, {@link
     * org.kemu.mmgup.Vmstat}): qemu's prealloc of a THP guest flushes once per COWed page and per split
     * huge zero page ({@code ptep_clear_flush}, {@code pmdp_huge_clear_flush}).
     *
     * @param flushes flushes of the initiating CPU's TLB (nr_tlb_local_flush_one)
     * @param remoteFlushes those that shot down other CPUs running the mm (nr_tlb_remote_flush)
     * @param shootdownIpis IPIs those other CPUs handled, one per target (nr_tlb_remote_flush_received)
     */
    public record TlbFlushes(long flushes, long remoteFlushes, long shootdownIpis) {
        /** The flushes between two vmstat snapshots of one kernel. */
        public static TlbFlushes between(org.kemu.mmgup.Vmstat before, org.kemu.mmgup.Vmstat after) {
            return new TlbFlushes(after.nrTlbLocalFlushOne() - before.nrTlbLocalFlushOne(),
                    after.nrTlbRemoteFlush() - before.nrTlbRemoteFlush(),
                    after.nrTlbRemoteFlushReceived() - before.nrTlbRemoteFlushReceived());
        }
    }

    /**
     * One VFIO_IOMMU_MAP_DMA of the init and what the container did during it (differences of
     * {@link Type1Stats} taken before and after the call).
     *
     * @param region qemu's memory region name
     * @param startNs virtual time from qemu's start to the call
     * @param ns virtual time the call took (wall of the call, over all its threads)
     * @param runs contiguous runs pinned ({@code vfio_pin_pages_remote} calls)
     * @param pagesPinned pages GUP pinned
     * @param lockedVmCharges {@code vfio_lock_acct} calls that took the mmap write lock
     * @param iommuMapCalls {@code iommu_map} calls
     * @param iotlbSyncs IOTLB flushes
     */
    public record MapDmaCall(String region, long iova, long size, boolean readOnly, long startNs, long ns, long runs,
            long pagesPinned, long lockedVmCharges, long iommuMapCalls, long iotlbSyncs) {
        public static MapDmaCall of(String region, long iova, long size, boolean readOnly, long startNs, long ns,
                Type1Stats before, Type1Stats after) {
            return new MapDmaCall(region, iova, size, readOnly, startNs, ns, after.runs() - before.runs(),
                    after.pagesPinned() - before.pagesPinned(), after.lockAcctCalls() - before.lockAcctCalls(),
                    after.iommuMapCalls() - before.iommuMapCalls(), after.iotlbSyncs() - before.iotlbSyncs());
        }
    }

    public double pinSeconds() {
        return pinNs / 1e9;
    }

    public double initSeconds() {
        return initNs / 1e9;
    }
}
