package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The two throttle models with user tasks and kernel threads in one limited group (docs/kernel/sched-fair.md,
 * section 1.3). Before 6.18 (CFS_RQ) throttle_cfs_rq dequeues the group's whole
 * cfs_rq, kthreads included. 6.18's task-based throttling takes a user task off when it next
 * returns to user mode (kemu: at its next preemption point) and never a kthread, whose runtime is
 * still charged to the group.
 */
class TaskBasedThrottleTest {
    private static final long MS = 1_000_000L;

    private record Finish(long user, long kthread, CpuStat stat) {
    }

    private static Finish run(ThrottleModel model) {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(2), 5).withThrottleModel(model));
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "g");
        g.writeCpuMax("50000 100000");
        long[] done = new long[2];
        Task user = k.spawn(TaskSpec.user("user-hog", 1), () -> {
            for (int i = 0; i < 200; i++) {
                k.work(MS);
            }
            done[0] = k.now();
        });
        Task kthread = k.spawn(TaskSpec.kthread("kthread-hog"), () -> {
            for (int i = 0; i < 200; i++) {
                k.work(MS);
            }
            done[1] = k.now();
        });
        cc.attach(user, g);
        cc.attach(kthread, g);
        k.run();
        return new Finish(done[0], done[1], g.cpuStat());
    }

    @ParameterizedTest
    @EnumSource(ThrottleModel.class)
    void userTasksAreThrottledUnderBothModels(ThrottleModel model) {
        Finish f = run(model);
        // 400 ms of work at half a CPU: the user task cannot be done before 400 ms of wall time
        assertThat(f.user()).isGreaterThan(400 * MS);
        assertThat(f.stat().nrThrottled()).isPositive();
        assertThat(f.stat().throttledUsec()).isPositive();
        // the kthread's runtime is charged to the group either way
        assertThat(f.stat().usageUsec()).isEqualTo(400_000L);
    }

    @ParameterizedTest
    @EnumSource(ThrottleModel.class)
    void onlyTheTaskBasedModelLetsTheKthreadRunOn(ThrottleModel model) {
        Finish f = run(model);
        if (model == ThrottleModel.TASK_BASED) {
            // never throttled: its 200 ms of work on a CPU of its own take 200 ms (plus switches)
            assertThat(f.kthread()).isBetween(200 * MS, 201 * MS);
            // it used the group's quota while running, so the user task waited for what was left
            assertThat(f.user()).isGreaterThan(f.kthread() + 200 * MS);
        } else {
            // throttled with its cfs_rq: it shares the half CPU with the user task
            assertThat(f.kthread()).isGreaterThan(300 * MS);
        }
    }
}
