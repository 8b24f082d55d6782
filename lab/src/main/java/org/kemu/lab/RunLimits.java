package org.kemu.lab;

import java.util.concurrent.TimeUnit;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelException;

/**
 * How long one run may take before it is stopped with {@code ETIME}: in virtual time (checked on the
 * event loop, so a simulated run stops at the same event every time) and in wall time (checked by
 * the engine's watchdog, which also catches task code that blocks or loops on the host thread and
 * so never lets virtual time pass). 0 means no limit.
 *
 * <p>The defaults are generous for the published matrix: its largest cell (a 128 GiB hugetlb guest
 * on the serial 5.14 kernel) takes about 20 s of virtual time and under 15 s of wall time on a
 * 2-core host, so {@value #DEFAULT_MAX_VIRTUAL_SECONDS} s virtual (180 times that) and
 * {@value #DEFAULT_MAX_WALL_SECONDS} s wall (20 times that, room for a slow or loaded host) never stop
 * a published run, and still end a runaway plugin within minutes with a message naming the limit.
 *
 * @param maxVirtualNs virtual time limit of each kernel run, ns (0 = none)
 * @param maxWallNs wall time limit of each kernel run, ns (0 = none)
 */
public record RunLimits(long maxVirtualNs, long maxWallNs) {
    public static final long DEFAULT_MAX_VIRTUAL_SECONDS = 3600;
    public static final long DEFAULT_MAX_WALL_SECONDS = 300;

    public RunLimits {
        KernelException.require(maxVirtualNs >= 0, Errno.EINVAL, "limits:max_virtual",
                "virtual time limit must not be negative: " + maxVirtualNs + " ns");
        KernelException.require(maxWallNs >= 0, Errno.EINVAL, "limits:max_wall",
                "wall time limit must not be negative: " + maxWallNs + " ns");
    }

    /** The limits every boot path uses unless told otherwise. */
    public static RunLimits defaults() {
        return new RunLimits(TimeUnit.SECONDS.toNanos(DEFAULT_MAX_VIRTUAL_SECONDS),
                TimeUnit.SECONDS.toNanos(DEFAULT_MAX_WALL_SECONDS));
    }

    /** No limit at all (a run that never ends hangs its caller). */
    public static RunLimits none() {
        return new RunLimits(0, 0);
    }

    /** Limits in seconds (fractions allowed); 0 = none; negative, NaN or infinite refused with EINVAL. */
    public static RunLimits ofSeconds(double maxVirtualSeconds, double maxWallSeconds) {
        return new RunLimits(nanos(maxVirtualSeconds, "limits:max_virtual"), nanos(maxWallSeconds, "limits:max_wall"));
    }

    private static long nanos(double seconds, String check) {
        KernelException.require(Double.isFinite(seconds) && seconds >= 0 && seconds * 1e9 < Long.MAX_VALUE,
                Errno.EINVAL, check, "a time limit must be a finite number of seconds >= 0 (0 = none), not " + seconds);
        return Math.round(seconds * 1e9);
    }

    public RunLimits withMaxVirtualNs(long ns) {
        return new RunLimits(ns, maxWallNs);
    }

    public RunLimits withMaxWallNs(long ns) {
        return new RunLimits(maxVirtualNs, ns);
    }
}
