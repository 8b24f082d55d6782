package org.kemu.mmgup.phys;

import org.kemu.mmgup.Vmstat;

/** The vm event counters of /proc/vmstat that mm-gup keeps (mm/vmstat.c {@code count_vm_events}, node_stat). */
public final class VmEvents {
    private long nrFollPinAcquired;
    private long nrFollPinReleased;
    private long pgfault;
    private long thpFaultAlloc;
    private long thpFaultFallback;
    private long pgmigrateSuccess;
    private long pgmigrateFail;
    private long gupWarnings;

    VmEvents() {
    }

    public void countPins(long acquired, long released) {
        nrFollPinAcquired += acquired;
        nrFollPinReleased += released;
    }

    public void countFaults(long pages, long thpAlloc, long thpFallback) {
        pgfault += pages;
        thpFaultAlloc += thpAlloc;
        thpFaultFallback += thpFallback;
    }

    public void countMigrations(long ok, long failed) {
        pgmigrateSuccess += ok;
        pgmigrateFail += failed;
    }

    public void countGupWarning() {
        gupWarnings++;
    }

    Vmstat snapshot() {
        return new Vmstat(nrFollPinAcquired, nrFollPinReleased, pgfault, thpFaultAlloc, thpFaultFallback,
                pgmigrateSuccess, pgmigrateFail, gupWarnings);
    }
}
