package org.kemu.lab.calibrate;

import org.kemu.lab.Backing;

/**
 * One published measurement of docs/calibration-inputs.md: a guest init on a machine, its pin and init times.
 *
 * @param lockCachePages locked_vm cache pages (0 = none)
 * @param padataThreads padata threads (0 = the unmodified serial kernel)
 */
public record CalibrationCell(String machine, Backing backing, int preallocThreads, int gib, long lockCachePages,
        int padataThreads, double pinS, double pinSd, double initS, double initSd) {

    public boolean base() {
        return padataThreads == 0;
    }

    public String label() {
        return machine + " " + backing.cliName() + " qthr=" + preallocThreads + " " + gib + "G"
                + (base() ? "" : " padata=" + padataThreads + " cache=" + lockCachePages);
    }
}
