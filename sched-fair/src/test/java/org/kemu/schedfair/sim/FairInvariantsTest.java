package org.kemu.schedfair.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kemu.schedfair.CpuCgroup;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.KernelTimer;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.PickPolicy;
import org.kemu.schedfair.SyntheticLoads;
import org.kemu.schedfair.TaskSpec;

/** The fair-class invariant checker holds on a busy group hierarchy and reports a broken sum. */
class FairInvariantsTest {
    private static final long MS = 1_000_000L;

    /**
     * Hogs of a group arriving on one CPU after another: each arrival changes the group's total load,
     * so calc_group_shares changes its entity's weight on the CPUs it reached first too (5.14
     * update_cfs_group at those CPUs' next enqueue or tick). Before the fix the first CPU's entity
     * kept the group's whole shares and the checker reported it.
     */
    @ParameterizedTest
    @EnumSource(PickPolicy.class)
    void holdOnAGroupSpreadOverCpusAndCatchABrokenTotal(PickPolicy rule) {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(4), 3).withPickPolicy(rule));
        CpuController cc = k.cpuController();
        CpuCgroup a = cc.mkdir(cc.root(), "a");
        CpuCgroup b = cc.mkdir(a, "b");
        b.writeCpuWeight("500");
        for (int i = 0; i < 6; i++) {
            CpuCgroup g = i % 2 == 0 ? a : b;
            k.spawn(TaskSpec.user("hog" + i, 1), () -> k.work(50 * MS), t -> cc.attach(t, g));
        }
        SyntheticLoads.cpuHog(k, TaskSpec.kthread("root-hog"), 50 * MS);
        List<String> seen = new ArrayList<>();
        List<String> broken = new ArrayList<>();
        KernelTimer check = k.timer("check", () -> {
            seen.addAll(FairInvariants.violations(k));
            TaskGroup tg = ((SimCgroup) b).tg;
            tg.totalLoad += 1;
            broken.addAll(FairInvariants.violations(k));
            tg.totalLoad -= 1;
        });
        check.start(10 * MS);
        k.run();
        assertThat(seen).isEmpty();
        assertThat(broken).anyMatch(v -> v.contains("/a/b total load"));
    }
}
