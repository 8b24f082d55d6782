package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * cpu.stat's user/system/nice split (docs/kernel/sched-fair.md section 1.7): a user task's own code
 * is user time (account_user_time), nice time as well when its nice is above 0 (CPUTIME_NICE, which
 * cgroup rstat adds to both utime and ntime in __cgroup_account_cputime_field); an emulated
 * syscall it makes (Kernel.syscall / enterKernel) and every kthread's time are system time
 * (account_system_time).
 */
class SystemTimeTest {
    private static final long MS = 1_000_000L;

    @Test
    void aSyscallOfAUserTaskIsSystemTime() {
        Kernel k = Backends.sim(2);
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        k.spawn(TaskSpec.user("app", 1), () -> {
            k.work(3 * MS);
            k.syscall(() -> {
                k.work(2 * MS);
                // nested entries (an ioctl calling into GUP) stay system time until the outer exit
                k.syscall(() -> {
                    k.work(MS);
                    return null;
                });
                k.work(MS);
                return null;
            });
            k.work(5 * MS);
        }, t -> cc.attach(t, g));
        k.run();
        CpuStat s = g.cpuStat();
        assertThat(s.userUsec()).isEqualTo(8_000);
        assertThat(s.systemUsec()).isEqualTo(4_000);
        assertThat(s.usageUsec()).isEqualTo(s.userUsec() + s.systemUsec());
        assertThat(s.niceUsec()).isZero();
        assertThat(cc.root().cpuStat().systemUsec()).isEqualTo(4_000);
    }

    @Test
    void niceTimeIsPartOfUserTimeAndKthreadsAreSystemTime() {
        Kernel k = Backends.sim(2);
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        k.spawn(TaskSpec.user("niced", 1).withNice(1), () -> {
            k.work(2 * MS);
            k.syscall(() -> {
                k.work(MS);
                return null;
            });
        }, t -> cc.attach(t, g));
        k.spawn(TaskSpec.kthread("kworker"), () -> k.work(4 * MS), t -> cc.attach(t, g));
        k.run();
        CpuStat s = g.cpuStat();
        assertThat(s.userUsec()).isEqualTo(2_000);
        assertThat(s.niceUsec()).isEqualTo(2_000);
        assertThat(s.systemUsec()).isEqualTo(5_000);
        assertThat(s.usageUsec()).isEqualTo(s.userUsec() + s.systemUsec());
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(KernelVersion.class)
    void niceUsecLineOnlyWhereTheVersionHasIt(KernelVersion v) {
        // kernel/cgroup/rstat.c cgroup_base_stat_cputime_show: "nice_usec" after "system_usec"
        // from v6.13 (aefa398d93d5); 5.14 and 6.6 print usage, user and system only.
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(2), 1, v));
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        k.spawn(TaskSpec.user("niced", 1).withNice(1), () -> k.work(2 * MS), t -> cc.attach(t, g));
        k.run();
        String text = g.readCpuStat();
        if (v == KernelVersion.V6_18) {
            assertThat(text).contains("system_usec 0\nnice_usec 2000\n");
        } else {
            assertThat(text).doesNotContain("nice_usec");
        }
        assertThat(g.cpuStat().niceUsec()).isEqualTo(2_000);
    }

    static java.util.stream.Stream<Backend> backends() {
        return Backends.both();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void exitWithoutEnterIsEinvalOnBothBackends(Backend b) {
        Kernel k = Backends.kernel(b, 2);
        KernelException[] thrown = new KernelException[1];
        k.spawn(TaskSpec.user("app", 1), () -> {
            try {
                k.exitKernel();
            } catch (KernelException e) {
                thrown[0] = e;
            }
        });
        k.run();
        assertThat(thrown[0].errno()).isEqualTo(Errno.EINVAL);
        assertThat(thrown[0].check()).isEqualTo("exit_kernel:not_entered");
        assertThatThrownBy(k::enterKernel).isInstanceOf(IllegalStateException.class);
    }

    /** Hosted: real thread CPU time, so only the identity is checked (each field truncates once). */
    @RepeatedTest(50)
    void hostedUsageIsUserPlusSystem() {
        Kernel k = Backends.kernel(Backend.HOSTED, 2);
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        k.spawn(TaskSpec.user("app", 1), () -> {
            k.work(MS);
            k.syscall(() -> {
                k.work(MS);
                return null;
            });
        }, t -> cc.attach(t, g));
        k.run();
        CpuStat s = g.cpuStat();
        assertThat(s.usageUsec() - s.userUsec() - s.systemUsec()).isBetween(0L, 2L);
        assertThat(s.niceUsec()).isZero();
    }
}
