package org.kemu.schedfair;

import java.util.Objects;

/**
 * How to build a {@link Kernel}.
 *
 * @param machine the emulated machine
 * @param seed the run's seed; every source of randomness derives from it
 * @param pickPolicy the fair class's pick rule
 * @param timeLimitNs stop a simulated run with an error once virtual time passes this (0 = none)
 * @param throttleModel how bandwidth throttling takes tasks off (pre-6.18 or task-based)
 * @param bandwidthPolicy whether kthread work can be charged to groups (remote charging)
 */
public record KernelConfig(MachineSpec machine, long seed, PickPolicy pickPolicy, long timeLimitNs,
        ThrottleModel throttleModel, BandwidthPolicy bandwidthPolicy) {
    public KernelConfig {
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(pickPolicy, "pickPolicy");
        Objects.requireNonNull(throttleModel, "throttleModel");
        Objects.requireNonNull(bandwidthPolicy, "bandwidthPolicy");
        KernelException.require(timeLimitNs >= 0, Errno.EINVAL, "config:time_limit",
                "time limit must not be negative");
    }

    public static KernelConfig of(MachineSpec machine, long seed) {
        return new KernelConfig(machine, seed, PickPolicy.CFS, 0, ThrottleModel.CFS_RQ, BandwidthPolicy.STANDARD);
    }

    public KernelConfig withPickPolicy(PickPolicy p) {
        return new KernelConfig(machine, seed, p, timeLimitNs, throttleModel, bandwidthPolicy);
    }

    public KernelConfig withTimeLimitNs(long limit) {
        return new KernelConfig(machine, seed, pickPolicy, limit, throttleModel, bandwidthPolicy);
    }

    public KernelConfig withThrottleModel(ThrottleModel m) {
        return new KernelConfig(machine, seed, pickPolicy, timeLimitNs, m, bandwidthPolicy);
    }

    public KernelConfig withBandwidthPolicy(BandwidthPolicy p) {
        return new KernelConfig(machine, seed, pickPolicy, timeLimitNs, throttleModel, p);
    }
}
