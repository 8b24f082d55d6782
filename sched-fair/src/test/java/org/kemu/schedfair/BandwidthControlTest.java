package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** CFS bandwidth control on the simulated backend (docs/kernel/sched-fair.md sections 1.2 to 1.6). */
class BandwidthControlTest {
    private static final long MS = 1_000_000L;

    private static Kernel kernel(int cpus, PickPolicy p) {
        return Kernels.simulated(KernelConfig.of(MachineSpec.simple(cpus), 3).withPickPolicy(p));
    }

    @ParameterizedTest
    @EnumSource(PickPolicy.class)
    void halfACpuQuotaGivesHalfACpuAndTheKernelsCounters(PickPolicy p) {
        Kernel k = kernel(1, p);
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        g.writeCpuMax("50000 100000");
        Task hog = SyntheticLoads.cpuHog(k, TaskSpec.user("hog", 1), 5_000 * MS);
        cc.attach(hog, g);
        RunStats s = k.run();
        double share = 5_000.0 * MS / s.endTimeNs();
        assertThat(share).isCloseTo(0.5, within(0.01));
        CpuStat st = g.cpuStat();
        assertThat(st.usageUsec()).isEqualTo(5_000_000L);
        assertThat(st.userUsec()).isEqualTo(5_000_000L);
        // alone on its CPU, the hog is throttled exactly when it is not running
        assertThat(st.throttledUsec()).isCloseTo((s.endTimeNs() - 5_000 * MS) / 1000, within(1L));
        // one period timer expiry per 100 ms while active; every period after the first throttle
        // finds the group throttled (nr_throttled counts periods, not throttle events)
        long periods = s.endTimeNs() / (100 * MS);
        assertThat(st.nrPeriods()).isBetween(periods - 1, periods + 1);
        assertThat(st.nrThrottled()).isBetween(st.nrPeriods() - 1, st.nrPeriods());
    }

    @Test
    void nrPeriodsCountsOnlyWhileTheTimerIsActive() {
        Kernel k = kernel(2, PickPolicy.CFS);
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        g.writeCpuMax("50000 100000");
        Task hog = SyntheticLoads.cpuHog(k, TaskSpec.user("hog", 1), 200 * MS);
        cc.attach(hog, g);
        long[] periodsAtHogEnd = new long[1];
        k.spawn(TaskSpec.kthread("observer"), () -> {
            k.join(hog);
            periodsAtHogEnd[0] = g.cpuStat().nrPeriods();
            k.sleep(2_000 * MS);
        });
        k.run();
        // after the group goes idle the timer runs one idle period more, then deactivates
        assertThat(g.cpuStat().nrPeriods()).isBetween(periodsAtHogEnd[0] + 1, periodsAtHogEnd[0] + 2);
    }

    @Test
    void fourHogsInAGroupLimitedToTwoCpusUseTwoCpus() {
        Kernel k = kernel(4, PickPolicy.CFS);
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        g.writeCpuMax("200000 100000");
        List<Task> hogs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Task t = SyntheticLoads.cpuHog(k, TaskSpec.user("hog" + i, 1), 2_000 * MS);
            cc.attach(t, g);
            hogs.add(t);
        }
        RunStats s = k.run();
        double cpus = 8_000.0 * MS / s.endTimeNs();
        assertThat(cpus).isCloseTo(2.0, within(0.04));
        // throttled time is summed over CPUs, so it can exceed wall-clock time (section 1.3)
        assertThat(g.cpuStat().throttledUsec()).isGreaterThan(s.endTimeNs() / 1000);
    }

    @Test
    void aChildsEffectiveLimitIsTheMinimumUpTheTree() {
        Kernel k = kernel(4, PickPolicy.CFS);
        CpuController cc = k.cpuController();
        CpuCgroup parent = cc.mkdir(cc.root(), "parent");
        CpuCgroup child = cc.mkdir(parent, "child");
        parent.writeCpuMax("100000 100000");
        child.writeCpuMax("300000 100000");
        for (int i = 0; i < 4; i++) {
            cc.attach(SyntheticLoads.cpuHog(k, TaskSpec.user("hog" + i, 1), 500 * MS), child);
        }
        RunStats s = k.run();
        assertThat(2_000.0 * MS / s.endTimeNs()).isCloseTo(1.0, within(0.03));
        assertThat(parent.cpuStat().nrThrottled()).isPositive();
    }

    /**
     * The most CPU time (ms) a task gets between two consecutive period-timer expiries (observed
     * through nr_periods, sampled every 1 ms), for a task that idles a while and then hogs.
     */
    private static long mostPerPeriodMs(String burstUs, KernelVersion v) {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(1), 3, v).withPickPolicy(PickPolicy.CFS));
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        g.writeCpuMax("50000 100000");
        g.writeCpuMaxBurst(burstUs);
        Task t = k.spawn(TaskSpec.user("bursty", 1), () -> {
            k.work(10 * MS);
            k.sleep(300 * MS);
            k.work(400 * MS);
        });
        cc.attach(t, g);
        long[] state = new long[3]; // nr_periods seen, usage at that expiry, most per period
        KernelTimer[] sampler = new KernelTimer[1];
        sampler[0] = k.timer("sampler", () -> {
            CpuStat st = g.cpuStat();
            if (st.nrPeriods() != state[0]) {
                state[2] = Math.max(state[2], st.usageUsec() - state[1]);
                state[0] = st.nrPeriods();
                state[1] = st.usageUsec();
            }
            sampler[0].start(k.now() + MS);
        });
        sampler[0].start(MS);
        k.run();
        CpuStat st = g.cpuStat();
        if (!v.burstStatistics()) {
            // 5.14 has the burst but not its statistics (bcb1704a1ed2, v5.16): no counts, no lines
            assertThat(st.nrBursts()).isZero();
            assertThat(st.burstUsec()).isZero();
            assertThat(g.readCpuStat()).doesNotContain("nr_bursts").doesNotContain("burst_usec");
        } else if (!burstUs.equals("0")) {
            assertThat(st.nrBursts()).isPositive();
            assertThat(st.burstUsec()).isPositive().isLessThanOrEqualTo(30_000L * st.nrBursts());
            assertThat(g.readCpuStat()).contains("nr_bursts " + st.nrBursts());
        }
        return state[2] / 1000;
    }

    @ParameterizedTest
    @EnumSource(KernelVersion.class)
    void burstLetsAGroupExceedQuotaByAtMostTheBurst(KernelVersion v) {
        // a refill caps the pool at quota + burst (section 1.4); a cfs_rq can also carry up to one
        // 5 ms slice of local runtime across the expiry; +1 ms for the sampling (the 1 ms tick's
        // overrun is repaid from the same slice)
        assertThat(mostPerPeriodMs("30000", v)).isGreaterThan(50 + 5 + 1).isLessThanOrEqualTo(50 + 30 + 5 + 1);
        assertThat(mostPerPeriodMs("0", v)).isLessThanOrEqualTo(50 + 5 + 1);
    }

    @ParameterizedTest
    @EnumSource(ThrottleModel.class)
    void kernelThreadsInAThrottledGroupFollowTheThrottleModel(ThrottleModel model) {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(1), 3).withThrottleModel(model));
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        g.writeCpuMax("20000 100000");
        Task kt = SyntheticLoads.cpuHog(k, TaskSpec.kthread("kworker"), 200 * MS);
        cc.attach(kt, g);
        RunStats s = k.run();
        if (model == ThrottleModel.CFS_RQ) {
            // before 6.18 the whole cfs_rq is dequeued, kthreads included: 20 ms per 100 ms, so
            // 200 ms of work needs at least (200 - 2 x 20) / 20 periods (the first, partial period
            // can give up to two quotas)
            assertThat(s.endTimeNs()).isGreaterThanOrEqualTo(800 * MS);
        } else {
            // 6.18: kernel threads never return to user, so they are not taken off
            assertThat(s.endTimeNs()).isEqualTo(200 * MS);
        }
        assertThat(g.cpuStat().usageUsec()).isEqualTo(200_000L);
        assertThat(g.cpuStat().systemUsec()).isEqualTo(200_000L);
    }
}
