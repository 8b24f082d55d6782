package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Linux 5.14's scaled CFS tunables, its tick (HRTICK off) and its tg_set_cfs_bandwidth and
 * period-timer semantics, each a departure kemu used to make (issue 13 part 2).
 */
class TickAndTunablesTest {
    private static final long MS = 1_000_000L;

    private static Kernel sim(int cpus, KernelConfig c) {
        return Kernels.simulated(c);
    }

    private static KernelConfig cfg(int cpus) {
        return KernelConfig.of(MachineSpec.simple(cpus), 3);
    }

    private static List<TraceEvent.CpuSlice> slicesOf(Kernel k, int cpu) {
        List<TraceEvent.CpuSlice> out = new ArrayList<>();
        k.tracer().setSink(e -> {
            if (e instanceof TraceEvent.CpuSlice s && s.cpu() == cpu) {
                out.add(s);
            }
        });
        return out;
    }

    /** The run length that occurs most often among the slices between the first and the last two. */
    private static long commonestRun(List<TraceEvent.CpuSlice> slices) {
        Map<Long, Long> counts = slices.subList(1, slices.size() - 2).stream()
                .collect(Collectors.groupingBy(s -> s.end() - s.start(), Collectors.counting()));
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    /**
     * update_sysctl / get_update_sysctl_factor (kernel/sched/fair.c, v5.14), SCHED_TUNABLESCALING_LOG:
     * sched_latency is 6 ms x (1 + ilog2(min(ncpus, 8))). Two CPU hogs pinned to CPU 0 each run half a
     * latency at a time (sched_slice, check_preempt_tick): 3, 6, 9, 12, 12 ms on 1, 2, 4, 8, 16 CPUs.
     * Unscaled, every size would give 3 ms.
     */
    @ParameterizedTest
    @CsvSource({"1, 3", "2, 6", "4, 9", "8, 12", "16, 12"})
    void cfsSlicesFollowTheLogScaledLatency(int cpus, long halfLatencyMs) {
        Kernel k = sim(cpus, cfg(cpus));
        List<TraceEvent.CpuSlice> slices = slicesOf(k, 0);
        SyntheticLoads.cpuHog(k, TaskSpec.kthread("a").withAffinity(CpuMask.of(0)), 200 * MS);
        SyntheticLoads.cpuHog(k, TaskSpec.kthread("b").withAffinity(CpuMask.of(0)), 200 * MS);
        k.run();
        assertThat(commonestRun(slices)).isEqualTo(halfLatencyMs * MS);
    }

    /**
     * check_preempt_tick runs from the tick (entity_tick, v5.14) and HRTICK is off by default, so a
     * slice that runs out between ticks ends at the next one. Nice 0 against nice 5 on one CPU: the
     * slices are 6 ms x 1024/1359 = 4.52 ms and 1.48 ms, but every switch falls on the tick grid.
     */
    @ParameterizedTest
    @ValueSource(ints = {1000, 250})
    void slicesEndAtTheTick(int hz) {
        Kernel k = sim(1, cfg(1).withHz(hz));
        List<TraceEvent.CpuSlice> slices = slicesOf(k, 0);
        SyntheticLoads.cpuHog(k, TaskSpec.kthread("a"), 100 * MS);
        SyntheticLoads.cpuHog(k, TaskSpec.kthread("b").withNice(5), 100 * MS);
        k.run();
        long tick = 1_000_000_000L / hz;
        List<TraceEvent.CpuSlice> switched = slices.subList(0, slices.size() - 1);
        assertThat(switched).hasSizeGreaterThan(10)
                .allSatisfy(s -> assertThat(s.end() % tick).as("%s", s).isZero());
    }

    /**
     * The same with the run starting 0.3 ms into a jiffy ({@link TickGrid}): every switch falls on
     * the shifted grid, 0.7 ms, 1.7 ms, ... (tick_sched_timer fires on the jiffy boundaries, wherever
     * the run began).
     */
    @Test
    void slicesEndAtTheTickOfAShiftedGrid() {
        long offset = 300_000;
        Kernel k = sim(1, cfg(1).withTickOffsetNs(offset));
        List<TraceEvent.CpuSlice> slices = slicesOf(k, 0);
        SyntheticLoads.cpuHog(k, TaskSpec.kthread("a"), 100 * MS);
        SyntheticLoads.cpuHog(k, TaskSpec.kthread("b").withNice(5), 100 * MS);
        k.run();
        // each task's last slice ends where its 100 ms of work does, not at a tick
        List<TraceEvent.CpuSlice> switched = slices.stream()
                .filter(s -> slices.stream().anyMatch(l -> l.task().equals(s.task()) && l.start() > s.start()))
                .toList();
        assertThat(switched).hasSizeGreaterThan(10)
                .allSatisfy(s -> assertThat((s.end() + offset) % MS).as("%s", s).isZero());
    }

    /** Usage of group "g" sampled at {@code atNs}, for one hog in it from time 0. */
    private static long usageUsAt(KernelConfig c, String cpuMax, String burst, long atNs) {
        Kernel k = sim(1, c);
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        g.writeCpuMax(cpuMax);
        if (burst != null) {
            g.writeCpuMaxBurst(burst);
        }
        Task t = SyntheticLoads.cpuHog(k, TaskSpec.user("hog", 1), 300 * MS);
        cc.attach(t, g);
        long[] usage = {-1};
        KernelTimer[] sample = new KernelTimer[1];
        sample[0] = k.timer("sample", () -> usage[0] = g.cpuStat().usageUsec());
        sample[0].start(atNs);
        k.run();
        return usage[0];
    }

    /**
     * account_cfs_rq_runtime charges the runtime in update_curr and asks for a resched when none is
     * left, but with HRTICK off update_curr of a running hog happens at the tick, and the throttle
     * (check_cfs_rq_runtime in put_prev_entity) follows it (v5.14): a 10.5 ms quota lets the hog run
     * to the 11 ms tick at HZ 1000 and to the 20 ms tick at HZ 100, an overrun of less than one tick.
     */
    @Test
    void aGroupOverrunsItsQuotaByLessThanATickPerCpu() {
        assertThat(usageUsAt(cfg(1), "10500 100000", null, 99 * MS)).isEqualTo(11_000);
        assertThat(usageUsAt(cfg(1).withHz(100), "10500 100000", null, 99 * MS)).isEqualTo(20_000);
        // the overrun is repaid from the next grant: three periods stay within 3 x quota + a tick
        assertThat(usageUsAt(cfg(1), "10500 100000", null, 299 * MS)).isBetween(31_500L, 32_500L);
    }

    /**
     * tg_set_cfs_bandwidth (kernel/sched/core.c, v5.14) calls __refill_cfs_bandwidth_runtime, which
     * adds a quota to what the pool holds, capped at quota + burst. Writing cpu.max then
     * cpu.max.burst refills twice: the pool holds quota + burst = 40 ms, not a reset 20 ms.
     */
    @Test
    void aBandwidthWriteRefillsThePoolUpToQuotaPlusBurst() {
        assertThat(usageUsAt(cfg(1), "20000 100000", "20000", 99 * MS)).isEqualTo(40_000);
        assertThat(usageUsAt(cfg(1), "20000 100000", null, 99 * MS)).isEqualTo(20_000);
    }

    /** nr_periods of "g" at {@code sampleAt}, a period change written at 30 ms while the timer runs. */
    private static long periodsAfterAPeriodChange(long sampleAt) {
        Kernel k = sim(1, cfg(1));
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        g.writeCpuMax("50000 100000");
        Task hog = SyntheticLoads.cpuHog(k, TaskSpec.user("hog", 1), 400 * MS);
        cc.attach(hog, g);
        k.spawn(TaskSpec.user("writer", 2), () -> {
            k.sleep(30 * MS);
            g.writeCpuMax("50000 200000");
        });
        long[] periods = {-1};
        KernelTimer[] sample = new KernelTimer[1];
        sample[0] = k.timer("sample", () -> periods[0] = g.cpuStat().nrPeriods());
        sample[0].start(sampleAt);
        k.run();
        return periods[0];
    }

    /**
     * tg_set_cfs_bandwidth calls start_cfs_bandwidth, which returns at once while period_active: the
     * timer armed for 100 ms keeps that expiry, and sched_cfs_period_timer forwards it by the new
     * 200 ms period from there, so expiries fall at 100 and 300 ms (re-phasing would give 200, 400).
     */
    @Test
    void aBandwidthWriteLeavesAnActivePeriodTimerAlone() {
        assertThat(periodsAfterAPeriodChange(99 * MS)).isZero();
        assertThat(periodsAfterAPeriodChange(150 * MS)).isEqualTo(1);
        assertThat(periodsAfterAPeriodChange(299 * MS)).isEqualTo(1);
        assertThat(periodsAfterAPeriodChange(301 * MS)).isEqualTo(2);
    }

    /** The end times of the throttled intervals of a hog limited to 10 ms per 100 ms from 37 ms on. */
    private static List<Long> unthrottleTimes(KernelVersion v) {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(1), 3, v));
        List<Long> ends = new ArrayList<>();
        k.tracer().setSink(e -> {
            if (e instanceof TraceEvent.Throttled t) {
                ends.add(t.end());
            }
        });
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        Task hog = SyntheticLoads.cpuHog(k, TaskSpec.user("hog", 1), 60 * MS);
        cc.attach(hog, g);
        k.spawn(TaskSpec.user("writer", 2), () -> {
            k.sleep(37 * MS);
            g.writeCpuMax("10000 100000");
        });
        k.run();
        return ends;
    }

    /**
     * init_cfs_bandwidth (v5.14) leaves the period timer's expiry at 0 and start_cfs_bandwidth
     * forwards it by whole periods, so every group's refills fall on multiples of its period, here
     * 100, 200, ... ms even though the limit was written at 37 ms. From v6.3 the expiry starts at a
     * random point of the period, so the grid is shifted by the (seeded) phase.
     */
    @Test
    void in514ThePeriodTimerHasNoRandomPhase() {
        List<Long> v514 = unthrottleTimes(KernelVersion.V5_14);
        assertThat(v514).isNotEmpty().allSatisfy(t -> assertThat(t % (100 * MS)).isZero());
        List<Long> v66 = unthrottleTimes(KernelVersion.V6_6);
        assertThat(v66).isNotEmpty();
        long phase = v66.get(0) % (100 * MS);
        assertThat(phase).isNotZero();
        assertThat(v66).allSatisfy(t -> assertThat(t % (100 * MS)).isEqualTo(phase));
    }

    /**
     * The default is 5.14, whose fair class picks by CFS (pick_next_entity / __pick_first_entity,
     * kernel/sched/fair.c v5.14) with the cfs_rq-dequeue throttle (throttle_cfs_rq) and CONFIG_HZ
     * 1000; EEVDF (147f3efaa241) comes with 6.6 and task-based throttling with 6.18, each only
     * where the version selects it.
     */
    @Test
    void theVersionSelectsItsDefaultsAndExplicitOptionsOverrideThem() {
        MachineSpec m = MachineSpec.simple(2);
        assertThat(KernelConfig.of(m, 1).kernelVersion()).isEqualTo(KernelVersion.V5_14);
        assertThat(KernelConfig.of(m, 1).pickPolicy()).isEqualTo(PickPolicy.CFS);
        assertThat(KernelConfig.of(m, 1).hz()).isEqualTo(1000);
        KernelConfig v66 = KernelConfig.of(m, 1, KernelVersion.V6_6);
        assertThat(v66.pickPolicy()).isEqualTo(PickPolicy.EEVDF);
        assertThat(v66.throttleModel()).isEqualTo(ThrottleModel.CFS_RQ);
        KernelConfig v618 = KernelConfig.of(m, 1).withKernelVersion(KernelVersion.V6_18);
        assertThat(v618.pickPolicy()).isEqualTo(PickPolicy.EEVDF);
        assertThat(v618.throttleModel()).isEqualTo(ThrottleModel.TASK_BASED);
        assertThat(v618.withPickPolicy(PickPolicy.CFS).pickPolicy()).isEqualTo(PickPolicy.CFS);
        assertThat(v618.withPickPolicy(PickPolicy.CFS).kernelVersion()).isEqualTo(KernelVersion.V6_18);
        assertThat(Kernels.simulated(v618).kernelVersion()).isEqualTo(KernelVersion.V6_18);
        Function<String, KernelVersion> parse = KernelVersion::parse;
        assertThat(parse.apply("5.14")).isEqualTo(KernelVersion.V5_14);
        assertThat(parse.apply("v6.6")).isEqualTo(KernelVersion.V6_6);
        assertThat(parse.apply("V6_18")).isEqualTo(KernelVersion.V6_18);
        assertThatThrownBy(() -> KernelVersion.parse("5.15")).isInstanceOfSatisfying(KernelException.class,
                e -> assertThat(e.check()).isEqualTo("config:kernel_version"));
        assertThatThrownBy(() -> KernelConfig.of(m, 1).withHz(200)).isInstanceOfSatisfying(KernelException.class,
                e -> assertThat(e.check()).isEqualTo("config:hz"));
        assertThat(KernelConfig.of(m, 1).withHz(300).tickNs()).isEqualTo(3_333_333L);
    }
}
