package org.kemu.integrationtests.hosted;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;
import org.kemu.schedfair.DeadlockException;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.SpinLock;
import org.kemu.schedfair.TaskSpec;

/**
 * The hosted watchdog (issue 17, "spinning counts as no progress"): tasks spinning on spinlocks that
 * are never handed over burn CPU but make no progress, and the run must stop with a report of every
 * task, what it spins or waits on and who holds it. The interleaving is forced: each task takes its
 * first lock and waits (in plain Java) until the other has taken its own, so every run ends in the
 * same state whatever the host's timing; only that the watchdog fires at all is assumed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostedSpinDeadlockIT {

    @RepeatedTest(50)
    void twoTasksSpinningOnEachOthersSpinlockAreReportedWithTheMutexSleeperBesideThem() {
        Kernel k = Kernels.hosted(KernelConfig.of(MachineSpec.simple(4), 1)
                .withWallTimeLimitNs(TimeUnit.SECONDS.toNanos(30)));
        SpinLock s1 = k.spinlock("S1");
        SpinLock s2 = k.spinlock("S2");
        Mutex m = k.mutex("M");
        AtomicBoolean aHolds = new AtomicBoolean();
        AtomicBoolean bHolds = new AtomicBoolean();
        AtomicBoolean cHolds = new AtomicBoolean();
        k.spawn(TaskSpec.kthread("A"), () -> {
            s1.lock();
            aHolds.set(true);
            await(bHolds);
            s2.lock();
        });
        k.spawn(TaskSpec.kthread("B"), () -> {
            s2.lock();
            bHolds.set(true);
            await(aHolds);
            s1.lock();
        });
        k.spawn(TaskSpec.kthread("C"), () -> {
            m.lock();
            cHolds.set(true);
            await(aHolds);
            await(bHolds);
            s1.lock();
        });
        k.spawn(TaskSpec.kthread("D"), () -> {
            await(cHolds);
            m.lock();
        });
        DeadlockException e = catchThrowableOfType(DeadlockException.class, k::run);
        assertThat(e).isNotNull();
        assertThat(e.blocked()).hasSize(4);
        assertThat(e.getMessage()).contains("4 blocked:",
                "task 'A#1' spins on spinlock 'S2' held by [B#2]",
                "task 'B#2' spins on spinlock 'S1' held by [A#1]",
                "task 'C#3' spins on spinlock 'S1' held by [A#1]",
                "task 'D#4' waits on mutex 'M' held by [C#3]");
    }

    private static void await(AtomicBoolean b) {
        while (!b.get()) {
            Thread.onSpinWait();
        }
    }
}
