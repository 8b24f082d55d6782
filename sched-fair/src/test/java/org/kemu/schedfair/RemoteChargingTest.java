package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Remote charging with debt, patches 15 and 16 of the 2022 series (docs/kernel/sched-fair.md 3.4). */
class RemoteChargingTest {
    private static final long MS = 1_000_000L;

    private record Outcome(long ownBefore, long ownDuringDebt, long ownAfter, CpuStat stat, long debtAt) {
    }

    /**
     * A group limited to 100 ms per 100 ms runs a hog on CPU 0; a kthread on CPU 1 works 300 ms for
     * the group and charges it at t = 500 ms. Returns the hog's CPU time in windows around it.
     */
    private static Outcome scenario(BandwidthPolicy policy, boolean forgive) {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(2), 9).withBandwidthPolicy(policy));
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "vm");
        g.writeCpuMax("100000 100000");
        Task hog = SyntheticLoads.cpuHog(k, TaskSpec.user("guest", 1).withAffinity(CpuMask.of(0)), 2_000 * MS);
        cc.attach(hog, g);
        long[] samples = new long[4];
        k.spawn(TaskSpec.kthread("padata").withAffinity(CpuMask.of(1)), () -> {
            k.sleep(200 * MS);
            cc.remoteBegin(k.current(), g);
            k.work(300 * MS);
            cc.remoteCharge(k.current(), g);
            samples[0] = hog.sumExecRuntime();
            if (forgive) {
                g.writeCpuMax("100000 100000");
            }
            k.sleep(250 * MS);
            samples[1] = hog.sumExecRuntime();
            k.sleep(500 * MS);
            samples[2] = hog.sumExecRuntime();
        });
        k.run();
        return new Outcome(samples[0], samples[1] - samples[0], samples[2] - samples[1], g.cpuStat(), 0);
    }

    @Test
    void debtStarvesTheGroupForTheRightNumberOfPeriodsThenItRecovers() {
        Outcome o = scenario(BandwidthPolicy.REMOTE_CHARGING, false);
        // before the charge the hog ran alone at its full quota (one CPU)
        assertThat(o.ownBefore()).isEqualTo(500 * MS);
        // 300 ms of debt: the pool pays what it holds now, each refill pays min(quota, debt) before
        // granting new runtime, so the group gets nothing for about 3 periods
        assertThat(o.ownDuringDebt()).isLessThan(60 * MS);
        // then it recovers to its full quota
        assertThat(o.ownAfter()).isGreaterThan(400 * MS);
        // patch 16: the charged time shows in usage and system time
        assertThat(o.stat().systemUsec()).isEqualTo(300_000L);
    }

    @Test
    void writingCpuMaxForgivesTheDebt() {
        Outcome o = scenario(BandwidthPolicy.REMOTE_CHARGING, true);
        assertThat(o.ownDuringDebt()).isGreaterThan(200 * MS);
    }

    @Test
    void withoutThePolicyNothingIsCharged() {
        Outcome o = scenario(BandwidthPolicy.STANDARD, false);
        assertThat(o.ownDuringDebt()).isEqualTo(250 * MS);
        assertThat(o.stat().systemUsec()).isZero();
    }
}
