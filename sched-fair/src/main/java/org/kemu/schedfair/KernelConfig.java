package org.kemu.schedfair;

import java.util.Objects;

/**
 * How to build a {@link Kernel}.
 *
 * @param machine the emulated machine
 * @param seed the run's seed; every source of randomness derives from it
 * @param pickPolicy the fair class's pick rule
 * @param timeLimitNs stop a simulated run with an error once virtual time passes this (0 = none)
 */
public record KernelConfig(MachineSpec machine, long seed, PickPolicy pickPolicy, long timeLimitNs) {
    public KernelConfig {
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(pickPolicy, "pickPolicy");
        KernelException.require(timeLimitNs >= 0, Errno.EINVAL, "config:time_limit",
                "time limit must not be negative");
    }

    public static KernelConfig of(MachineSpec machine, long seed) {
        return new KernelConfig(machine, seed, PickPolicy.CFS, 0);
    }

    public KernelConfig withPickPolicy(PickPolicy p) {
        return new KernelConfig(machine, seed, p, timeLimitNs);
    }

    public KernelConfig withTimeLimitNs(long limit) {
        return new KernelConfig(machine, seed, pickPolicy, limit);
    }
}
