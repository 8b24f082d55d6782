package org.kemu.mmgup;

/**
 * Counters in the manner of /proc/vmstat.
 *
 * @param nrFollPinAcquired pages pinned, per 4 KiB page (nr_foll_pin_acquired)
 * @param nrFollPinReleased pages unpinned, per 4 KiB page (nr_foll_pin_released)
 * @param pgfault 4 KiB pages faulted in (a huge fault counts its pages)
 * @param thpFaultAlloc THP faults that got a 2 MiB folio
 * @param thpFaultFallback THP faults that fell back to 4 KiB pages
 * @param pgmigrateSuccess pages migrated (long-term pins out of ZONE_MOVABLE)
 * @param pgmigrateFail pages that could not be migrated
 * @param gupWarnings WARN_ON_ONCE hits in GUP (invalid arguments, no progress)
 * @param nrTlbLocalFlushOne user-page TLB flushes of the initiating CPU, one page each (x86's
 *     {@code flush_tlb_func} on the local CPU: nr_tlb_local_flush_one, CONFIG_DEBUG_TLBFLUSH)
 * @param nrTlbRemoteFlush those flushes that shot down other CPUs ({@code native_flush_tlb_multi}:
 *     nr_tlb_remote_flush)
 * @param nrTlbRemoteFlushReceived shootdown IPIs the other CPUs handled, one per target of each remote
 *     flush ({@code flush_tlb_func} on a target: nr_tlb_remote_flush_received)
 */
public record Vmstat(long nrFollPinAcquired, long nrFollPinReleased, long pgfault, long thpFaultAlloc,
        long thpFaultFallback, long pgmigrateSuccess, long pgmigrateFail, long gupWarnings, long nrTlbLocalFlushOne,
        long nrTlbRemoteFlush, long nrTlbRemoteFlushReceived) {
}
