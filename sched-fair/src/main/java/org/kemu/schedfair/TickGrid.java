package org.kemu.schedfair;

/**
 * Where the scheduler ticks fall in a run's time: every CPU ticks on one grid of period
 * {@code tickNs} (sched_skew_tick is 0 by default, so tick_sched_timer fires at the same instants on
 * all CPUs), and the run starts {@code offsetNs} into a jiffy. jiffies, the rwsem hand-off timeout,
 * the balance intervals and the ends of slices under HRTICK-off all follow this grid.
 *
 * <p>A real run starts at an arbitrary instant of the jiffy it starts in, and two runs of the same
 * experiment start at different ones. The offset is that instant: the simulated backend's time 0 is
 * {@code offsetNs} after a tick, so the first tick comes at {@code tickNs - offsetNs} (or at 0 when
 * the offset is 0). Runs whose outcome depends on how lock waits and slices line up with the ticks
 * differ with it as real runs differ from one another.
 */
public record TickGrid(int hz, long offsetNs) {
    public TickGrid {
        KernelException.require(hz > 0, Errno.EINVAL, "config:hz", "HZ must be positive, got " + hz);
        long tick = tickNs(hz);
        KernelException.require(offsetNs >= 0 && offsetNs < tick, Errno.EINVAL, "config:tick_offset",
                "tick offset must be in [0, " + tick + ") ns, got " + offsetNs);
    }

    /** TICK_NSEC: (NSEC_PER_SEC + HZ / 2) / HZ. */
    public static long tickNs(int hz) {
        return (1_000_000_000L + hz / 2) / hz;
    }

    public long tickNs() {
        return tickNs(hz);
    }

    /** jiffies at {@code t}: whole ticks since the jiffy the run started in (which is jiffy 0). */
    public long jiffies(long t) {
        return Math.floorDiv(t + offsetNs, tickNs());
    }

    /** The time at which jiffy {@code j} begins (its tick). */
    public long tickOf(long j) {
        return j * tickNs() - offsetNs;
    }

    /** The first tick at or after {@code t}; Long.MAX_VALUE when it would overflow. */
    public long tickAtOrAfter(long t) {
        long tick = tickNs();
        long r = Math.floorMod(t + offsetNs, tick);
        if (r == 0) {
            return t;
        }
        long add = tick - r;
        return t > Long.MAX_VALUE - add ? Long.MAX_VALUE : t + add;
    }

    /** The first tick strictly after {@code t}. */
    public long tickAfter(long t) {
        return tickOf(jiffies(t) + 1);
    }
}
