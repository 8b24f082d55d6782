package org.kemu.schedfair;

import java.util.Objects;

/**
 * How to build a {@link Kernel}.
 *
 * @param machine the emulated machine
 * @param seed the run's seed; every source of randomness derives from it
 * @param pickPolicy the fair class's pick rule
 * @param timeLimitNs stop a simulated run with {@code ETIME (sim:virtual_time_limit)} once virtual
 *     time would pass this (0 = none); deterministic, like every other outcome of a simulated run
 * @param throttleModel how bandwidth throttling takes tasks off (pre-6.18 or task-based)
 * @param bandwidthPolicy whether kthread work can be charged to groups (remote charging)
 * @param wallTimeLimitNs stop a run with {@code ETIME (sim:wall_time_limit)} or
 *     {@code ETIME (hosted:wall_time_limit)} once it has taken this much real time (0 = none); this
 *     is what catches task code that blocks or loops on the host thread without ever calling into
 *     the kernel, where virtual time cannot pass
 */
public record KernelConfig(MachineSpec machine, long seed, PickPolicy pickPolicy, long timeLimitNs,
        ThrottleModel throttleModel, BandwidthPolicy bandwidthPolicy, long wallTimeLimitNs) {
    public KernelConfig {
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(pickPolicy, "pickPolicy");
        Objects.requireNonNull(throttleModel, "throttleModel");
        Objects.requireNonNull(bandwidthPolicy, "bandwidthPolicy");
        KernelException.require(timeLimitNs >= 0, Errno.EINVAL, "config:time_limit",
                "time limit must not be negative");
        KernelException.require(wallTimeLimitNs >= 0, Errno.EINVAL, "config:wall_time_limit",
                "wall time limit must not be negative");
    }

    /** A configuration without a wall time limit. */
    public KernelConfig(MachineSpec machine, long seed, PickPolicy pickPolicy, long timeLimitNs,
            ThrottleModel throttleModel, BandwidthPolicy bandwidthPolicy) {
        this(machine, seed, pickPolicy, timeLimitNs, throttleModel, bandwidthPolicy, 0);
    }

    public static KernelConfig of(MachineSpec machine, long seed) {
        return new KernelConfig(machine, seed, PickPolicy.CFS, 0, ThrottleModel.CFS_RQ, BandwidthPolicy.STANDARD);
    }

    public KernelConfig withPickPolicy(PickPolicy p) {
        return new KernelConfig(machine, seed, p, timeLimitNs, throttleModel, bandwidthPolicy, wallTimeLimitNs);
    }

    public KernelConfig withTimeLimitNs(long limit) {
        return new KernelConfig(machine, seed, pickPolicy, limit, throttleModel, bandwidthPolicy, wallTimeLimitNs);
    }

    public KernelConfig withThrottleModel(ThrottleModel m) {
        return new KernelConfig(machine, seed, pickPolicy, timeLimitNs, m, bandwidthPolicy, wallTimeLimitNs);
    }

    public KernelConfig withBandwidthPolicy(BandwidthPolicy p) {
        return new KernelConfig(machine, seed, pickPolicy, timeLimitNs, throttleModel, p, wallTimeLimitNs);
    }

    public KernelConfig withWallTimeLimitNs(long limit) {
        return new KernelConfig(machine, seed, pickPolicy, timeLimitNs, throttleModel, bandwidthPolicy, limit);
    }
}
