package org.kemu.lab.calibrate;

import java.util.function.LongFunction;
import org.kemu.lab.Backing;
import org.kemu.lab.GuestSpec;
import org.kemu.lab.Lab;
import org.kemu.lab.LabConfig;
import org.kemu.lab.MachineProfile;
import org.kemu.lab.Approach;

/**
 * {@code kemu calibrate}: the closed-form fit of {@link ProfileFitter}, then step 8 on the emulator:
 * the wake-up latency of a sleeping task (context switch, idle exit), chosen so that the emulated
 * 16-thread pin without the locked_vm cache is as much slower than with it as published. The cached
 * pin charges locked_vm once per 65536 pages, so the difference isolates the per-run charges and their
 * contention. The search runs on a 16 GiB guest (the per-GiB time of both pins is size-independent
 * once every thread has chunks) and targets the published ratio no-cache / cache.
 */
public final class Calibrator {
    static final int FIT_GIB = 16;

    private Calibrator() {
    }

    public static MachineProfile calibrate(String machine) {
        ProfileFitter.Fit fit = ProfileFitter.fit(machine);
        CalibrationCell noCache = CalibrationInputs.of(machine, CalibrationInputs.MULTITHREADED).stream()
                .filter(c -> c.padataThreads() == 16 && c.lockCachePages() == 0).findFirst().orElseThrow();
        CalibrationCell cache = CalibrationInputs.of(machine, CalibrationInputs.MULTITHREADED).stream()
                .filter(c -> c.padataThreads() == 16 && c.lockCachePages() > 0).findFirst().orElseThrow();
        double target = noCache.pinS() / cache.pinS();
        LongFunction<MachineProfile> at = ns -> ProfileFitter.profile(machine, fit, ns);
        GuestSpec guest = new GuestSpec(Backing.HUGETLB, (long) FIT_GIB << 30, 0);
        double cached = Lab.guestInit(at.apply(0), LabConfig.of(1, Approach.padataOrSerial(16, cache.lockCachePages())), guest)
                .pinSeconds();
        LongFunction<Double> ratio = ns -> Lab.guestInit(at.apply(ns), LabConfig.of(1, Approach.padataOrSerial(16, 0)), guest)
                .pinSeconds() / cached;
        long lo = 0;
        long hi = 4000;
        while (ratio.apply(hi) < target && hi < 100_000_000L) {
            lo = hi;
            hi *= 4;
        }
        // bisection on a monotone function of one integer: stop within 1%
        while (hi - lo > Math.max(1, lo / 100)) {
            long mid = (lo + hi) >>> 1;
            if (ratio.apply(mid) < target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return at.apply(hi);
    }
}
