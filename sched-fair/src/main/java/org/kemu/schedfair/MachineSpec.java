package org.kemu.schedfair;

import java.util.Objects;

/**
 * Everything the runtime needs to know about the emulated machine: its topology, its memory
 * bandwidth, the costs of the runtime's own operations and its CPUs' idle states. Subsystems above
 * take their own cost parameters from the machine profile in lab.
 */
public record MachineSpec(String name, Topology topology, MemoryBandwidth bandwidth, RuntimeCosts costs,
        CpuIdleDriver idle) {
    public MachineSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(topology, "topology");
        Objects.requireNonNull(bandwidth, "bandwidth");
        Objects.requireNonNull(costs, "costs");
        Objects.requireNonNull(idle, "idle");
    }

    /** A machine whose idle CPUs only poll (waking one costs nothing). */
    public MachineSpec(String name, Topology topology, MemoryBandwidth bandwidth, RuntimeCosts costs) {
        this(name, topology, bandwidth, costs, CpuIdleDriver.POLL_ONLY);
    }

    /**
     * A small test machine: one node of {@code cpus} CPUs, 10 GB/s per node and per core, free
     * runtime operations, polling idle.
     */
    public static MachineSpec simple(int cpus) {
        return new MachineSpec("simple-" + cpus, Topology.uniform(cpus),
                new MemoryBandwidth(10e9, 10e9), RuntimeCosts.FREE);
    }

    public MachineSpec withIdle(CpuIdleDriver d) {
        return new MachineSpec(name, topology, bandwidth, costs, d);
    }
}
