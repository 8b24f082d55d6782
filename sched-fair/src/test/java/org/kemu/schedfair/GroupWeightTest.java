package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Group scheduling by cpu.weight (docs/kernel/sched-fair.md section 2.2) under both pick rules; the
 * long-run shares are the same under CFS and EEVDF (section 2.3).
 */
class GroupWeightTest {
    private static final long MS = 1_000_000L;

    @ParameterizedTest
    @EnumSource(PickPolicy.class)
    void groupsShareACpuByWeight(PickPolicy p) {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(1), 5).withPickPolicy(p));
        CpuController cc = k.cpuController();
        CpuCgroup a = cc.mkdir(cc.root(), "a");
        CpuCgroup b = cc.mkdir(cc.root(), "b");
        a.writeCpuWeight("100");
        b.writeCpuWeight("300");
        Task ta = SyntheticLoads.cpuHog(k, TaskSpec.user("a", 1), 10_000 * MS);
        Task tb = SyntheticLoads.cpuHog(k, TaskSpec.user("b", 2), 10_000 * MS);
        cc.attach(ta, a);
        cc.attach(tb, b);
        long[] at = new long[2];
        k.spawn(TaskSpec.kthread("observer").withPolicy(SchedPolicy.IDLE), () -> {
            k.sleep(4_000 * MS);
            at[0] = ta.sumExecRuntime();
            at[1] = tb.sumExecRuntime();
        });
        k.run();
        assertThat((double) at[1] / at[0]).isCloseTo(3.0, within(0.06));
    }

    @ParameterizedTest
    @EnumSource(PickPolicy.class)
    void aNice19RootThreadAgainstABusyGroup(PickPolicy p) {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(1), 5).withPickPolicy(p));
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "container");
        Task inGroup = SyntheticLoads.cpuHog(k, TaskSpec.user("busy", 1), 10_000 * MS);
        cc.attach(inGroup, g);
        // root-group threads compete individually by nice (section 2.2): 15 against 1024
        Task helper = SyntheticLoads.cpuHog(k, TaskSpec.kthread("helper").withNice(19), 10_000 * MS);
        long[] at = new long[2];
        k.spawn(TaskSpec.kthread("observer").withPolicy(SchedPolicy.IDLE), () -> {
            k.sleep(5_000 * MS);
            at[0] = helper.sumExecRuntime();
            at[1] = inGroup.sumExecRuntime();
        });
        k.run();
        double expected = 15.0 / (15 + 1024);
        assertThat((double) at[0] / (at[0] + at[1])).isCloseTo(expected, within(expected * 0.1));
    }

    @ParameterizedTest
    @EnumSource(PickPolicy.class)
    void equalNiceZeroTasksShareEquallyUnderBothRules(PickPolicy p) {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(1), 5).withPickPolicy(p));
        Task[] t = new Task[3];
        int[] nices = {0, 5, -5};
        for (int i = 0; i < 3; i++) {
            t[i] = SyntheticLoads.cpuHog(k, TaskSpec.kthread("t" + i).withNice(nices[i]), 20_000 * MS);
        }
        long[] at = new long[3];
        k.spawn(TaskSpec.kthread("observer").withPolicy(SchedPolicy.IDLE), () -> {
            k.sleep(6_000 * MS);
            for (int i = 0; i < 3; i++) {
                at[i] = t[i].sumExecRuntime();
            }
        });
        k.run();
        long sum = at[0] + at[1] + at[2];
        double w = 1024 + 335 + 3121;
        assertThat((double) at[0] / sum).isCloseTo(1024 / w, within(0.01));
        assertThat((double) at[1] / sum).isCloseTo(335 / w, within(0.01));
        assertThat((double) at[2] / sum).isCloseTo(3121 / w, within(0.01));
    }

    /**
     * Regression: when the running task of a group blocks while a sibling is queued, the group's
     * entity must stop being curr of the parent queue (put_prev_entity), or the sibling is never
     * picked and the CPU idles with runnable work (found by the tracing test).
     */
    @ParameterizedTest
    @EnumSource(PickPolicy.class)
    void aSiblingRunsWhenTheGroupsRunningTaskBlocks(PickPolicy p) {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(1), 5).withPickPolicy(p));
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        Task sleeper = k.spawn(TaskSpec.user("sleeper", 1), () -> {
            for (int i = 0; i < 10; i++) {
                k.work(MS);
                k.sleep(5 * MS);
            }
        });
        Task hog = SyntheticLoads.cpuHog(k, TaskSpec.user("hog", 1), 100 * MS);
        cc.attach(sleeper, g);
        cc.attach(hog, g);
        RunStats s = k.run();
        // the CPU never idles while the hog is runnable: 110 ms of work end at 110 ms
        assertThat(s.endTimeNs()).isEqualTo(110 * MS);
    }
}
