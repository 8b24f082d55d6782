package org.kemu.schedfair.selftest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kemu.schedfair.selftest.CgroupSelftest.MS;
import static org.kemu.schedfair.selftest.CgroupSelftest.SEC;
import static org.kemu.schedfair.selftest.CgroupSelftest.kernel;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kemu.schedfair.CpuCgroup;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.CpuStat;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelTimer;
import org.kemu.schedfair.PickPolicy;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;
import org.kemu.schedfair.WaitQueue;
import org.kemu.schedfair.sim.FairInvariants;

/**
 * LTP's testcases/kernel/sched/cfs-scheduler/cfs_bandwidth01.c (the regression test of 39f23ce07b93,
 * b34cb07dde7c, fe61468b2cbc, 5ab297bab984, 6d4d22468dae and fdaba61ef8a2, "sched/fair: Ensure that
 * the CFS parent is added after unthrottling"): level2 / level3a / {worker1 30%, worker2 20%} and
 * level2 / level3b / worker3 30%, with a period of 10 ms; each worker group holds a process of three
 * busy loops that spin 20 ms of wall time and then wait on a checkpoint for 3 s, 1 s or 10 ms, so
 * they overrun their quota, throttle, sleep and unthrottle over and over. After 1 s level2 gets a
 * 50% limit too; after 2 more s the checkpoint wakes all nine and they exit.
 *
 * <p>The kernel test passes when the kernel does not taint (WARN, such as the leaf cfs_rq list
 * assertion of enqueue_task_fair); kemu's counterpart is {@link FairInvariants}, checked every
 * millisecond of virtual time and at the end, plus the bandwidth each group was allowed.
 */
class CfsBandwidth01Test {
    private static final long PERIOD_US = 10_000;

    /** set_cpu_quota: quota_percent of a 10 ms period, written as "quota period" to cpu.max. */
    private static void setCpuQuota(CpuCgroup cg, double quotaPercent) {
        long quotaUs = (long) ((float) (quotaPercent / 100) * (float) PERIOD_US);
        cg.writeCpuMax(quotaUs + " " + PERIOD_US);
    }

    /**
     * busy_loop: spin 20 ms of wall time (CLOCK_MONOTONIC_RAW, so throttled time counts), then wait
     * on checkpoint 0 for {@code sleepNs}; exit when woken, spin again on a timeout.
     */
    private static void busyLoop(Kernel k, WaitQueue checkpoint, boolean[] wake, long sleepNs) {
        boolean[] timedOut = new boolean[1];
        KernelTimer timeout = k.timer("tst_checkpoint_wait", () -> {
            timedOut[0] = true;
            checkpoint.wakeUp();
        });
        while (true) {
            long end = k.now() + 20 * MS;
            while (k.now() < end) {
                k.work(Math.min(CgroupSelftest.HOG_CHUNK_NS, end - k.now()));
            }
            timedOut[0] = false;
            timeout.start(k.now() + sleepNs);
            checkpoint.waitEvent(() -> wake[0] || timedOut[0]);
            if (wake[0]) {
                timeout.cancel();
                return;
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("org.kemu.schedfair.selftest.CgroupSelftest#machinesAndRules")
    void cfsBandwidth01(String machine, PickPolicy rule) {
        Kernel k = kernel(machine, rule);
        CpuController cc = k.cpuController();
        // setup()
        CpuCgroup level2 = cc.mkdir(cc.root(), "level2");
        CpuCgroup level3a = cc.mkdir(level2, "level3a");
        CpuCgroup[] workers = new CpuCgroup[3];
        workers[0] = cc.mkdir(level3a, "worker1");
        setCpuQuota(workers[0], 30);
        workers[1] = cc.mkdir(level3a, "worker2");
        setCpuQuota(workers[1], 20);
        CpuCgroup level3b = cc.mkdir(level2, "level3b");
        workers[2] = cc.mkdir(level3b, "worker3");
        setCpuQuota(workers[2], 30);

        WaitQueue checkpoint = k.waitQueue("tst_checkpoint 0");
        boolean[] wake = new boolean[1];
        boolean[] done = new boolean[1];
        List<String> violations = new ArrayList<>();
        KernelTimer[] invariants = new KernelTimer[1];
        invariants[0] = k.timer("invariants", () -> {
            if (violations.isEmpty()) {
                violations.addAll(FairInvariants.violations(k));
            }
            if (!done[0]) {
                invariants[0].start(k.now() + MS);
            }
        });
        invariants[0].start(MS);

        // do_test(): fork_busy_procs_in_cgroup for each worker group
        long[] sleepsMs = {3000, 1000, 10};
        List<Task> busy = new ArrayList<>();
        for (int w = 0; w < workers.length; w++) {
            long tgid = 500 + w;
            for (int i = 0; i < sleepsMs.length; i++) {
                long sleepNs = sleepsMs[i] * MS;
                CpuCgroup cg = workers[w];
                busy.add(k.spawn(TaskSpec.user("busy" + w + "." + i, tgid),
                        () -> busyLoop(k, checkpoint, wake, sleepNs), t -> cc.attach(t, cg)));
            }
        }
        k.spawn(TaskSpec.user("ltp", 1), () -> {
            k.sleep(SEC);
            setCpuQuota(level2, 50);
            k.sleep(2 * SEC);
            // TST_CHECKPOINT_WAKE2(0, 3 * 3), then tst_reap_children()
            wake[0] = true;
            checkpoint.wakeUp();
            for (Task t : busy) {
                k.join(t);
            }
            done[0] = true;
        });
        k.run();
        violations.addAll(FairInvariants.violations(k));
        assertThat(violations).isEmpty();

        // every group throttled and stayed near its limit over the 3 s (+ the exit): a worker's
        // three loops want far more than 30% of a CPU, so the limits are what bounds them
        long elapsedUs = k.now() / 1000;
        for (int w = 0; w < workers.length; w++) {
            CpuStat s = workers[w].cpuStat();
            assertThat(s.nrThrottled()).as("worker%d throttled", w + 1).isPositive();
            double limit = w == 1 ? 0.20 : 0.30;
            assertThat(s.usageUsec()).as("worker%d usage", w + 1)
                    .isLessThanOrEqualTo((long) (limit * elapsedUs) + 3 * PERIOD_US);
        }
        CpuStat l2 = level2.cpuStat();
        assertThat(l2.nrThrottled()).as("level2 throttled at 50%").isPositive();
        // from 1 s on level2 is held to 50%; before, its children's 80% at most
        assertThat(l2.usageUsec()).isLessThanOrEqualTo((long) (0.8 * SEC / 1000 + 0.5 * (elapsedUs - SEC / 1000))
                + 3 * PERIOD_US);
    }
}
