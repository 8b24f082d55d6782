package org.kemu.schedfair;

import java.util.Objects;

/**
 * Everything the runtime needs to know about the emulated machine: its topology, its memory
 * bandwidth and the costs of the runtime's own operations. Subsystems above take their own cost
 * parameters from the machine profile in lab.
 */
public record MachineSpec(String name, Topology topology, MemoryBandwidth bandwidth, RuntimeCosts costs) {
    public MachineSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(topology, "topology");
        Objects.requireNonNull(bandwidth, "bandwidth");
        Objects.requireNonNull(costs, "costs");
    }

    /**
     * A small test machine: one node of {@code cpus} CPUs, 10 GB/s per node and per core, free
     * runtime operations.
     */
    public static MachineSpec simple(int cpus) {
        return new MachineSpec("simple-" + cpus, Topology.uniform(cpus),
                new MemoryBandwidth(10e9, 10e9), RuntimeCosts.FREE);
    }
}
