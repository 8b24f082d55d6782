package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cpu controller's interface files and their errnos, on both backends (docs/kernel/sched-fair.md
 * section 1.1: tg_set_cfs_bandwidth's limits; section 2.2: cpu.weight, cpu.weight.nice, cpu.idle;
 * kernel/sched/core.c cpu_weight_write_u64 returns ERANGE out of 1..10000).
 */
class CpuControllerFilesTest {

    static java.util.stream.Stream<Backend> backends() {
        return Backends.both();
    }

    private static void fails(ThrowingCallable c, Errno errno, String check) {
        assertThatThrownBy(c).isInstanceOfSatisfying(KernelException.class, e -> {
            assertThat(e.errno()).isEqualTo(errno);
            assertThat(e.check()).isEqualTo(check);
        });
    }

    @ParameterizedTest
    @MethodSource("backends")
    void cpuMaxLimitsAndFormat(Backend b) {
        CpuController cc = Backends.kernel(b, 2).cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        assertThat(g.readCpuMax()).isEqualTo("max 100000");
        // quota and period must be at least 1 ms
        fails(() -> g.writeCpuMax("999 100000"), Errno.EINVAL, "cfs_bandwidth:quota_min");
        fails(() -> g.writeCpuMax("1000 999"), Errno.EINVAL, "cfs_bandwidth:period_min");
        fails(() -> g.writeCpuMax("max 999"), Errno.EINVAL, "cfs_bandwidth:period_min");
        // the period must not exceed 1 s
        fails(() -> g.writeCpuMax("1000 1000001"), Errno.EINVAL, "cfs_bandwidth:period_max");
        // quota bounded by max_cfs_runtime (MAX_BW us)
        fails(() -> g.writeCpuMax(((1L << 44)) + " 100000"), Errno.EINVAL, "cfs_bandwidth:quota_max");
        fails(() -> g.writeCpuMax("abc 100000"), Errno.EINVAL, "cpu.max:parse");
        fails(() -> g.writeCpuMax("1 2 3"), Errno.EINVAL, "cpu.max:parse");
        fails(() -> g.writeCpuMax("-5"), Errno.EINVAL, "cpu.max:parse");
        assertThat(g.readCpuMax()).as("failed writes change nothing").isEqualTo("max 100000");
        g.writeCpuMax("50000 200000");
        assertThat(g.readCpuMax()).isEqualTo("50000 200000");
        // a single number updates only $MAX
        g.writeCpuMax("70000");
        assertThat(g.readCpuMax()).isEqualTo("70000 200000");
        g.writeCpuMax("max");
        assertThat(g.readCpuMax()).isEqualTo("max 200000");
        // cpu.max does not exist on the root (CFTYPE_NOT_ON_ROOT)
        fails(() -> cc.root().writeCpuMax("50000 100000"), Errno.ENOENT, "cpu.max:not_on_root");
    }

    /**
     * A cpu.max.burst write (its write_u64, cpu_cfs_burst_write_u64, kernel/sched/core.c v5.14) goes through
     * tg_set_cfs_burst to tg_set_cfs_bandwidth, whose check "burst > quota" is EINVAL.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void burstRules(Backend b) {
        CpuController cc = Backends.kernel(b, 2).cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        g.writeCpuMax("50000 100000");
        assertThat(g.readCpuMaxBurst()).isEqualTo("0");
        // burst must stay within [0, quota]
        fails(() -> g.writeCpuMaxBurst("50001"), Errno.EINVAL, "cfs_bandwidth:burst");
        fails(() -> g.writeCpuMaxBurst("x"), Errno.EINVAL, "cpu.max.burst:parse");
        g.writeCpuMaxBurst("20000");
        assertThat(g.readCpuMaxBurst()).isEqualTo("20000");
        fails(() -> cc.root().writeCpuMaxBurst("0"), Errno.ENOENT, "cpu.max.burst:not_on_root");
    }

    /**
     * cpu_max_write (kernel/sched/core.c) passes the current burst on to tg_set_cfs_bandwidth. In
     * 5.14 and 6.6 it is tg_get_cfs_burst(), in µs where ns are meant: a cpu.max write, even one that
     * repeats the same limits, leaves a 20000 µs burst at 20 µs and never trips the burst > quota
     * check. 49217ea147df (v6.10) passes the ns value: a quota below the burst is then EINVAL
     * (cfs_bandwidth:burst) and nothing changes. No release resets the burst to 0.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void aCpuMaxWriteCarriesTheBurstAsTheVersionsCpuMaxWriteDoes(Backend b) {
        for (KernelVersion v : KernelVersion.values()) {
            CpuController cc = Kernels.create(b, KernelConfig.of(MachineSpec.simple(2), 42, v)).cpuController();
            CpuCgroup g = cc.mkdir(cc.root(), "g");
            g.writeCpuMax("50000 100000");
            g.writeCpuMaxBurst("20000");
            if (v.cpuMaxPassesBurstInUsec()) {
                g.writeCpuMax("50000 100000");
                assertThat(g.readCpuMaxBurst()).as("%s", v).isEqualTo("20");
                g.writeCpuMaxBurst("20000");
                g.writeCpuMax("10000 100000");
                assertThat(g.readCpuMax()).as("%s", v).isEqualTo("10000 100000");
                assertThat(g.readCpuMaxBurst()).as("%s", v).isEqualTo("20");
            } else {
                g.writeCpuMax("50000 100000");
                assertThat(g.readCpuMaxBurst()).as("%s", v).isEqualTo("20000");
                fails(() -> g.writeCpuMax("10000 100000"), Errno.EINVAL, "cfs_bandwidth:burst");
                assertThat(g.readCpuMax()).as("%s", v).isEqualTo("50000 100000");
                assertThat(g.readCpuMaxBurst()).as("%s", v).isEqualTo("20000");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void weightRules(Backend b) {
        CpuController cc = Backends.kernel(b, 2).cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        assertThat(g.readCpuWeight()).isEqualTo("100");
        fails(() -> g.writeCpuWeight("0"), Errno.ERANGE, "cpu.weight:range");
        fails(() -> g.writeCpuWeight("10001"), Errno.ERANGE, "cpu.weight:range");
        fails(() -> g.writeCpuWeight("heavy"), Errno.EINVAL, "cpu.weight:parse");
        g.writeCpuWeight("300");
        assertThat(g.readCpuWeight()).isEqualTo("300");
        fails(() -> g.writeCpuWeightNice("20"), Errno.ERANGE, "cpu.weight.nice:range");
        g.writeCpuWeightNice("19");
        // nice 19 is weight 15: cpu.weight reads DIV_ROUND_CLOSEST(15 * 100, 1024) = 1
        assertThat(g.readCpuWeight()).isEqualTo("1");
        assertThat(g.readCpuWeightNice()).isEqualTo("19");
        g.writeCpuWeight("100");
        assertThat(g.readCpuWeightNice()).isEqualTo("0");
        // cpu.idle: 0 or 1; an idle group reads weight 0 and refuses weight writes
        fails(() -> g.writeCpuIdle("2"), Errno.EINVAL, "cpu.idle:range");
        g.writeCpuIdle("1");
        assertThat(g.readCpuWeight()).isEqualTo("0");
        fails(() -> g.writeCpuWeight("100"), Errno.EINVAL, "cpu.weight:idle");
        g.writeCpuIdle("0");
        g.writeCpuWeight("200");
        fails(() -> cc.root().writeCpuIdle("1"), Errno.EINVAL, "cpu.idle:root");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void hierarchyRules(Backend b) {
        Kernel k = Backends.kernel(b, 2);
        CpuController cc = k.cpuController();
        CpuCgroup a = cc.mkdir(cc.root(), "a");
        CpuCgroup ab = cc.mkdir(a, "b");
        assertThat(ab.path()).isEqualTo("/a/b");
        fails(() -> cc.mkdir(cc.root(), "a"), Errno.EEXIST, "cgroup_mkdir:exists");
        fails(() -> cc.mkdir(cc.root(), "x/y"), Errno.EINVAL, "cgroup_mkdir:name");
        fails(() -> cc.rmdir(a), Errno.EBUSY, "cgroup_rmdir:children");
        fails(() -> cc.rmdir(cc.root()), Errno.EINVAL, "cgroup_rmdir:root");
        Task t = k.spawn(TaskSpec.user("t", 1), () -> k.sleep(1_000_000));
        cc.attach(t, ab);
        assertThat(cc.cgroupOf(t)).isSameAs(ab);
        fails(() -> cc.rmdir(ab), Errno.EBUSY, "cgroup_rmdir:tasks");
        k.run();
        cc.rmdir(ab);
        assertThat(a.children()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void maxCfsBandwidthCpus(Backend b) {
        CpuController cc = Backends.kernel(b, 8).cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        // patch 12: nr_cpu_ids for the root and for an unlimited group
        assertThat(cc.maxCfsBandwidthCpus(cc.root())).isEqualTo(8);
        assertThat(cc.maxCfsBandwidthCpus(g)).isEqualTo(8);
        // quota / period rounded down
        g.writeCpuMax("300000 100000");
        assertThat(cc.maxCfsBandwidthCpus(g)).isEqualTo(3);
        g.writeCpuMax("350000 100000");
        assertThat(cc.maxCfsBandwidthCpus(g)).isEqualTo(3);
        // below one period the patch's integer division gives 0 (max_cfs_bandwidth_cpus, patch 12)
        g.writeCpuMax("50000 100000");
        assertThat(cc.maxCfsBandwidthCpus(g)).isZero();
        // own group only: a limited parent does not cap an unlimited child
        CpuCgroup child = cc.mkdir(g, "c");
        assertThat(cc.maxCfsBandwidthCpus(child)).isEqualTo(8);
    }
}
