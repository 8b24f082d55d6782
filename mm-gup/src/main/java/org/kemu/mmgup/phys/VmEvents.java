package org.kemu.mmgup.phys;

import java.util.concurrent.atomic.LongAdder;
import org.kemu.mmgup.Vmstat;

/**
 * The vm event counters of /proc/vmstat that mm-gup keeps (mm/vmstat.c {@code count_vm_events},
 * {@code node_stat_mod_folio}). They are bumped outside any lock, from every CPU at once, so like the
 * kernel's per-CPU counters they are striped adders: exact on the hosted backend, read by summing.
 */
public final class VmEvents {
    private final LongAdder nrFollPinAcquired = new LongAdder();
    private final LongAdder nrFollPinReleased = new LongAdder();
    private final LongAdder pgfault = new LongAdder();
    private final LongAdder thpFaultAlloc = new LongAdder();
    private final LongAdder thpFaultFallback = new LongAdder();
    private final LongAdder pgmigrateSuccess = new LongAdder();
    private final LongAdder pgmigrateFail = new LongAdder();
    private final LongAdder gupWarnings = new LongAdder();
    private final LongAdder tlbLocalFlushOne = new LongAdder();
    private final LongAdder tlbRemoteFlush = new LongAdder();
    private final LongAdder tlbRemoteFlushReceived = new LongAdder();

    VmEvents() {
    }

    public void countPins(long acquired, long released) {
        nrFollPinAcquired.add(acquired);
        nrFollPinReleased.add(released);
    }

    public void countFaults(long pages, long thpAlloc, long thpFallback) {
        pgfault.add(pages);
        thpFaultAlloc.add(thpAlloc);
        thpFaultFallback.add(thpFallback);
    }

    public void countMigrations(long ok, long failed) {
        pgmigrateSuccess.add(ok);
        pgmigrateFail.add(failed);
    }

    public void countGupWarning() {
        gupWarnings.increment();
    }

    /**
     * {@code flushes} one-page flushes of the user TLB by one CPU, each shooting down {@code targets}
     * other CPUs: every one counts a local flush, and with targets a remote flush and one received
     * IPI per target (arch/x86/mm/tlb.c {@code count_vm_tlb_event}).
     */
    public void countTlbFlushes(long flushes, int targets) {
        tlbLocalFlushOne.add(flushes);
        if (targets > 0) {
            tlbRemoteFlush.add(flushes);
            tlbRemoteFlushReceived.add(flushes * targets);
        }
    }

    Vmstat snapshot() {
        return new Vmstat(nrFollPinAcquired.sum(), nrFollPinReleased.sum(), pgfault.sum(), thpFaultAlloc.sum(),
                thpFaultFallback.sum(), pgmigrateSuccess.sum(), pgmigrateFail.sum(), gupWarnings.sum(),
                tlbLocalFlushOne.sum(), tlbRemoteFlush.sum(), tlbRemoteFlushReceived.sum());
    }
}
