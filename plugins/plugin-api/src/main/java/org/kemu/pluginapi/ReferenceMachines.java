package org.kemu.pluginapi;

import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.MemoryBandwidth;
import org.kemu.schedfair.RuntimeCosts;
import org.kemu.schedfair.Topology;

/**
 * Machines plugins size their defaults for, until the lab's calibrated profiles are available to
 * plugins. The shape is the published one; bandwidths and runtime costs are round placeholders of the
 * right magnitude, not fitted values.
 */
@Experimental("replaced by the lab's machine profiles")
public final class ReferenceMachines {
    private ReferenceMachines() {
    }

    /**
     * Like the intel-8167m profile: 2 nodes x 26 cores x 2 SMT (104 CPUs), 384 GiB per node.
     * Placeholders: 100 GB/s per node, 12 GB/s per core (six DDR4-2666 channels, a Skylake core's
     * outstanding misses), 2 us context switch, 40 us kthread_create.
     */
    public static MachineSpec intel8167mLike() {
        return new MachineSpec("intel-8167m-like", new Topology(2, 26, 2, 384L << 30),
                new MemoryBandwidth(100e9, 12e9), new RuntimeCosts(2_000, 20, 100, 250, 40_000));
    }
}
