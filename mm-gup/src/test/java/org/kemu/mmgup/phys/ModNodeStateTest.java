package org.kemu.mmgup.phys;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kemu.schedfair.CpuMask;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.MemoryBandwidth;
import org.kemu.schedfair.RuntimeCosts;
import org.kemu.schedfair.TaskSpec;
import org.kemu.schedfair.Topology;

/** mm/vmstat.c (5.14): mod_node_state's per-CPU differential, its threshold and its folds. */
class ModNodeStateTest {
    private static final long TRANSFER = 100;

    private static Kernel sim() {
        MachineSpec m = new MachineSpec("vmstat", new Topology(1, 2, 1, 16L << 30), new MemoryBandwidth(10e9, 10e9),
                new RuntimeCosts(0, 0, TRANSFER, TRANSFER, 0));
        return Kernels.simulated(KernelConfig.of(m, 1));
    }

    /**
     * calculate_normal_threshold: 2 * fls(cpus) * (1 + fls(MiB / 128)), at most 125: 125 on both
     * published machines (104 and 256 CPUs, 384 GiB and 1 TiB per node), 2 * 2 * (1 + 8) = 36 for
     * 2 CPUs and 16 GiB.
     */
    @Test
    void theThresholdIsCalculateNormalThresholds() {
        assertThat(ModNodeState.threshold(104, 384L << 30)).isEqualTo(125);
        assertThat(ModNodeState.threshold(256, 1L << 40)).isEqualTo(125);
        assertThat(ModNodeState.threshold(2, 16L << 30)).isEqualTo(36);
        assertThat(ModNodeState.threshold(1, 128L << 20)).isEqualTo(4);
    }

    /**
     * Overstep mode 1: delta-1 calls fold on the first call past the threshold t (36 here), putting
     * n + t/2 into the node and global counters and restarting at -t/2; so the first fold comes at
     * call 37 and then every t + t/2 + 1 = 55 calls. A 2 MiB grab (delta 512) folds every time.
     * Nothing is lost: folded plus the differential is every delta.
     */
    @Test
    void smallDeltasFoldEveryThresholdAndAHalfAndHugeOnesEveryTime() {
        Kernel k = sim();
        ModNodeState s = new ModNodeState(k, "nr_foll_pin_acquired", 16L << 30);
        long[] seen = new long[4];
        k.spawn(TaskSpec.kthread("pinner").withAffinity(CpuMask.of(0)), () -> {
            s.mod(0, 1, 36);
            seen[0] = s.folded(0);
            s.mod(0, 1, 1);
            seen[1] = s.folded(0);
            s.mod(0, 1, 55);
            seen[2] = s.folded(0);
            s.mod(0, 512, 3);
            seen[3] = s.folded(0);
        });
        k.run();
        assertThat(seen[0]).as("36 calls stay in the differential").isZero();
        assertThat(seen[1]).as("the 37th folds 37 + 18").isEqualTo(55);
        assertThat(seen[2]).as("55 more calls fold once more").isEqualTo(110);
        assertThat(seen[3]).as("each 512-page grab folds").isEqualTo(110 + 3 * 512);
        assertThat(s.foldedGlobal()).isEqualTo(s.folded(0));
        assertThat(s.diff(0, 0)).as("restarted at -t/2").isEqualTo(-18);
        assertThat(s.folded(0) + s.diff(0, 0)).as("nothing lost").isEqualTo(36 + 1 + 55 + 3 * 512);
    }

    /** A fold's two adds pull their lines from the CPU that folded last; folds on one CPU move nothing. */
    @Test
    void foldsOnAnotherCpuPayTheTwoLines() {
        Kernel k = sim();
        ModNodeState s = new ModNodeState(k, "nr_foll_pin_acquired", 16L << 30);
        long[] at = new long[3];
        k.spawn(TaskSpec.kthread("a").withAffinity(CpuMask.of(0)), () -> {
            s.mod(0, 512, 2);
            at[0] = k.now();
        });
        k.spawn(TaskSpec.kthread("b").withAffinity(CpuMask.of(1)), () -> {
            k.sleep(1_000);
            at[1] = k.now();
            s.mod(0, 512, 1);
            at[2] = k.now();
        });
        k.run();
        assertThat(at[0]).as("cpu 0's folds: its own lines after the first").isZero();
        assertThat(at[2] - at[1]).as("cpu 1 pulls the node's and the global line").isEqualTo(2 * TRANSFER);
    }
}
