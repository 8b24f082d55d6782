package org.kemu.schedfair;

import java.util.Objects;
import org.kemu.schedfair.internal.SeededRandoms;

/**
 * How to build a {@link Kernel}.
 *
 * @param machine the emulated machine
 * @param seed the run's seed; every source of randomness derives from it
 * @param pickPolicy the fair class's pick rule (by default the version's)
 * @param timeLimitNs stop a simulated run with {@code ETIME (sim:virtual_time_limit)} once virtual
 *     time would pass this (0 = none); deterministic, like every other outcome of a simulated run
 * @param throttleModel how bandwidth throttling takes tasks off (by default the version's)
 * @param bandwidthPolicy whether kthread work can be charged to groups (remote charging)
 * @param kernelVersion the release whose version-dependent behaviour the run follows
 * @param hz CONFIG_HZ: the scheduler tick, at which slices end and bandwidth is enforced (HRTICK is
 *     off by default in every release modelled); 1000 unless the machine's kernel is known to differ
 * @param wallTimeLimitNs stop a run with {@code ETIME (sim:wall_time_limit)} or
 *     {@code ETIME (hosted:wall_time_limit)} once it has taken this much real time (0 = none); this
 *     is what catches task code that blocks or loops on the host thread without ever calling into
 *     the kernel, where virtual time cannot pass
 * @param tickOffsetNs how far into a jiffy the run starts ({@link TickGrid}), in [0, tick); 0 puts
 *     a tick at time 0
 */
public record KernelConfig(MachineSpec machine, long seed, PickPolicy pickPolicy, long timeLimitNs,
        ThrottleModel throttleModel, BandwidthPolicy bandwidthPolicy, KernelVersion kernelVersion, int hz,
        long wallTimeLimitNs, long tickOffsetNs) {
    /** CONFIG_HZ_1000: the published profiles' distribution kernels' HZ is not known (docs/kernel-versions.md). */
    public static final int DEFAULT_HZ = 1000;

    public KernelConfig {
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(pickPolicy, "pickPolicy");
        Objects.requireNonNull(throttleModel, "throttleModel");
        Objects.requireNonNull(bandwidthPolicy, "bandwidthPolicy");
        Objects.requireNonNull(kernelVersion, "kernelVersion");
        KernelException.require(timeLimitNs >= 0, Errno.EINVAL, "config:time_limit",
                "time limit must not be negative");
        // kernel/Kconfig.hz offers these four on x86
        KernelException.require(hz == 100 || hz == 250 || hz == 300 || hz == 1000, Errno.EINVAL, "config:hz",
                "HZ must be 100, 250, 300 or 1000, got " + hz);
        KernelException.require(wallTimeLimitNs >= 0, Errno.EINVAL, "config:wall_time_limit",
                "wall time limit must not be negative");
        new TickGrid(hz, tickOffsetNs);
    }

    /** The default release (5.14) with its pick rule and throttle model, standard bandwidth, HZ 1000. */
    public static KernelConfig of(MachineSpec machine, long seed) {
        return of(machine, seed, KernelVersion.DEFAULT);
    }

    /** Release {@code v} with its pick rule and throttle model, standard bandwidth, HZ 1000. */
    public static KernelConfig of(MachineSpec machine, long seed, KernelVersion v) {
        return new KernelConfig(machine, seed, v.pickPolicy(), 0, v.throttleModel(), BandwidthPolicy.STANDARD, v,
                DEFAULT_HZ, 0, 0);
    }

    /** TICK_NSEC: (NSEC_PER_SEC + HZ / 2) / HZ. */
    public long tickNs() {
        return TickGrid.tickNs(hz);
    }

    /**
     * Another release: its pick rule and throttle model replace the current ones, so apply explicit
     * {@link #withPickPolicy} / {@link #withThrottleModel} overrides after this.
     */
    public KernelConfig withKernelVersion(KernelVersion v) {
        return new KernelConfig(machine, seed, v.pickPolicy(), timeLimitNs, v.throttleModel(), bandwidthPolicy, v, hz,
                wallTimeLimitNs, tickOffsetNs);
    }

    public KernelConfig withPickPolicy(PickPolicy p) {
        return new KernelConfig(machine, seed, p, timeLimitNs, throttleModel, bandwidthPolicy, kernelVersion, hz,
                wallTimeLimitNs, tickOffsetNs);
    }

    public KernelConfig withTimeLimitNs(long limit) {
        return new KernelConfig(machine, seed, pickPolicy, limit, throttleModel, bandwidthPolicy, kernelVersion, hz,
                wallTimeLimitNs, tickOffsetNs);
    }

    public KernelConfig withThrottleModel(ThrottleModel m) {
        return new KernelConfig(machine, seed, pickPolicy, timeLimitNs, m, bandwidthPolicy, kernelVersion, hz,
                wallTimeLimitNs, tickOffsetNs);
    }

    public KernelConfig withBandwidthPolicy(BandwidthPolicy p) {
        return new KernelConfig(machine, seed, pickPolicy, timeLimitNs, throttleModel, p, kernelVersion, hz,
                wallTimeLimitNs, tickOffsetNs);
    }

    public KernelConfig withHz(int h) {
        return new KernelConfig(machine, seed, pickPolicy, timeLimitNs, throttleModel, bandwidthPolicy, kernelVersion, h,
                wallTimeLimitNs, tickOffsetNs);
    }

    public KernelConfig withWallTimeLimitNs(long limit) {
        return new KernelConfig(machine, seed, pickPolicy, timeLimitNs, throttleModel, bandwidthPolicy, kernelVersion, hz,
                limit, tickOffsetNs);
    }

    /** The run starts {@code offsetNs} into a jiffy (see {@link TickGrid}); set it after {@link #withHz}. */
    public KernelConfig withTickOffsetNs(long offsetNs) {
        return new KernelConfig(machine, seed, pickPolicy, timeLimitNs, throttleModel, bandwidthPolicy, kernelVersion, hz,
                wallTimeLimitNs, offsetNs);
    }

    /**
     * The run starts at an instant of its jiffy drawn from the seed (uniform over the tick, from the
     * seed's {@code tick:offset} stream), as a real run starts wherever the clock happens to be:
     * runs with different seeds are then different draws of the tick alignment. Set after
     * {@link #withHz}.
     */
    public KernelConfig withSeededTickOffset() {
        long tick = tickNs();
        return withTickOffsetNs(new SeededRandoms(seed).forComponent("tick:offset").nextLong(tick));
    }

    /** The tick grid of the run. */
    public TickGrid tickGrid() {
        return new TickGrid(hz, tickOffsetNs);
    }
}
