package org.kemu.lab.calibrate;

import org.kemu.lab.MachineProfile;

/**
 * {@code kemu calibrate}: the fit of {@link ProfileFitter}. There is no step on the emulator: the
 * wake-up latency of a sleeping task, once found by bisecting the emulator to hit input 2's
 * no-cache / cache pin ratio, is now a cited context-switch cost plus the modelled exit of the
 * cpuidle state (kernel idle-state tables and the menu governor).
 */
public final class Calibrator {
    private Calibrator() {
    }

    public static MachineProfile calibrate(String machine) {
        return ProfileFitter.profile(machine, ProfileFitter.fit(machine));
    }
}
