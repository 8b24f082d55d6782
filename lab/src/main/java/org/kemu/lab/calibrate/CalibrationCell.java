package org.kemu.lab.calibrate;

import org.kemu.lab.Backing;

/**
 * One published measurement of docs/calibration-inputs.md: a guest init on a machine, its pin and init times.
 *
 * @param lockCachePages locked_vm cache pages (0 = none)
 * @param padataThreads padata threads (0 = the unmodified serial kernel)
 * @param pinSpeedup published pin speedup against the base cell of the same machine, backing,
 *     prealloc and size, computed by the publication from unrounded means (1 for a base cell)
 * @param initSpeedup the same for qemu init
 */
public record CalibrationCell(String machine, Backing backing, int preallocThreads, int gib, long lockCachePages,
        int padataThreads, double pinS, double pinSd, double initS, double initSd, double pinSpeedup,
        double initSpeedup) {

    /** The base cell of the same machine, backing, prealloc and size: what the speedups are relative to. */
    public boolean sameGuestAs(CalibrationCell o) {
        return machine.equals(o.machine) && backing == o.backing && preallocThreads == o.preallocThreads
                && gib == o.gib;
    }

    public boolean base() {
        return padataThreads == 0;
    }

    public String label() {
        return machine + " " + backing.cliName() + " qthr=" + preallocThreads + " " + gib + "G"
                + (base() ? "" : " padata=" + padataThreads + " cache=" + lockCachePages);
    }
}
