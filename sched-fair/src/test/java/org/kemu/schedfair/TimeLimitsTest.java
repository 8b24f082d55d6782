package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 17 defect 9: a run that never ends stops with ETIME naming the limit, whether it loops in
 * virtual time (the virtual limit, checked on the event loop, deterministic) or blocks or loops on
 * the host thread where virtual time cannot pass (the wall limit's watchdog). The wall-limit tests
 * assert only that the run ends with the right error: never how fast.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TimeLimitsTest {
    private static final long WALL_LIMIT_NS = TimeUnit.SECONDS.toNanos(1);

    private static Kernel sim(long virtualLimitNs, long wallLimitNs) {
        return Kernels.simulated(KernelConfig.of(MachineSpec.simple(2), 7).withTimeLimitNs(virtualLimitNs)
                .withWallTimeLimitNs(wallLimitNs));
    }

    private static String loopInVirtualTime() {
        Kernel k = sim(TimeUnit.SECONDS.toNanos(1), 0);
        k.spawn(TaskSpec.kthread("looper"), () -> {
            while (true) {
                k.work(123_457);
            }
        });
        k.spawn(TaskSpec.kthread("bystander"), () -> k.sleep(TimeUnit.SECONDS.toNanos(100)));
        KernelException e = catchThrowableOfType(KernelException.class, k::run);
        assertThat(e.errno()).isEqualTo(Errno.ETIME);
        assertThat(e.check()).isEqualTo("sim:virtual_time_limit");
        return e.getMessage();
    }

    @Test
    void aTaskLoopingInVirtualTimeStopsAtTheVirtualLimitWithTheSameReportEveryTime() {
        String first = loopInVirtualTime();
        assertThat(first).contains("virtual time limit of 1.000000 s", "looper#1", "bystander#2");
        for (int i = 0; i < 5; i++) {
            assertThat(loopInVirtualTime()).isEqualTo(first);
        }
    }

    @Test
    void aTaskSleepingOnTheHostThreadIsStoppedByTheWatchdogWhichNamesItAndWhereItIs() {
        Kernel k = sim(0, WALL_LIMIT_NS);
        AtomicBoolean interrupted = new AtomicBoolean();
        k.spawn(TaskSpec.kthread("sleeper"), () -> {
            k.work(1000);
            try {
                Thread.sleep(TimeUnit.HOURS.toMillis(1));
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        KernelException e = catchThrowableOfType(KernelException.class, k::run);
        assertThat(e.errno()).isEqualTo(Errno.ETIME);
        assertThat(e.check()).isEqualTo("sim:wall_time_limit");
        assertThat(e.getMessage()).contains("wall time limit of 1.000000 s", "task 'sleeper'", "TimeLimitsTest",
                "sleeper#1");
        // the watchdog interrupts the task it found running, which ends its sleep
        waitUntil(interrupted);
        assertThatThrownBy(k::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("unusable");
    }

    @Test
    void aTaskBusyLoopingInJavaIsStoppedByTheWatchdog() {
        Kernel k = sim(TimeUnit.SECONDS.toNanos(10), WALL_LIMIT_NS);
        AtomicBoolean left = new AtomicBoolean();
        k.spawn(TaskSpec.kthread("spinner"), () -> {
            // a busy loop that never calls into the kernel; it looks at its interrupt flag only so
            // that the test does not leave a CPU spinning after it
            while (!Thread.currentThread().isInterrupted()) {
                Thread.onSpinWait();
            }
            left.set(true);
        });
        k.spawn(TaskSpec.kthread("waiter"), () -> k.sleep(1_000_000));
        KernelException e = catchThrowableOfType(KernelException.class, k::run);
        assertThat(e.check()).isEqualTo("sim:wall_time_limit");
        assertThat(e.getMessage()).contains("task 'spinner'", "aTaskBusyLoopingInJavaIsStoppedByTheWatchdog");
        waitUntil(left);
    }

    @Test
    void aRunWithinItsLimitsIsTheSameRunAsWithoutLimits() {
        long[] without = workload(sim(0, 0));
        long[] with = workload(sim(TimeUnit.SECONDS.toNanos(5), TimeUnit.SECONDS.toNanos(300)));
        assertThat(with).containsExactly(without);
    }

    private static long[] workload(Kernel k) {
        Mutex m = k.mutex("m");
        for (int i = 0; i < 4; i++) {
            k.spawn(TaskSpec.kthread("w" + i), () -> {
                for (int j = 0; j < 200; j++) {
                    m.lock();
                    k.work(10_000);
                    m.unlock();
                    k.sleep(5_000);
                }
            });
        }
        RunStats s = k.run();
        return new long[] {k.now(), s.events(), s.eventHash()};
    }

    @Test
    void negativeLimitsAreRefused() {
        MachineSpec m = MachineSpec.simple(1);
        assertThatThrownBy(() -> KernelConfig.of(m, 1).withWallTimeLimitNs(-1))
                .isInstanceOfSatisfying(KernelException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(e.check()).isEqualTo("config:wall_time_limit");
                });
    }

    @Test
    void aHostedTaskLoopingOutsideThePrimitivesIsStoppedByTheWallLimitWithEveryTask() {
        Kernel k = Kernels.hosted(KernelConfig.of(MachineSpec.simple(2), 7).withWallTimeLimitNs(WALL_LIMIT_NS));
        SpinLock l = k.spinlock("L");
        AtomicBoolean holding = new AtomicBoolean();
        k.spawn(TaskSpec.kthread("holder"), () -> {
            l.lock();
            holding.set(true);
            while (!Thread.currentThread().isInterrupted()) {
                Thread.onSpinWait();
            }
            l.unlock();
        });
        k.spawn(TaskSpec.kthread("spinner"), () -> {
            while (!holding.get()) {
                Thread.onSpinWait();
            }
            l.lock();
            l.unlock();
        });
        KernelException e = catchThrowableOfType(KernelException.class, k::run);
        assertThat(e.errno()).isEqualTo(Errno.ETIME);
        assertThat(e.check()).isEqualTo("hosted:wall_time_limit");
        // every task is listed; which line each one is on depends on how far the spinner got, so
        // only the holder (always running its own loop) is pinned
        assertThat(e.getMessage()).contains("task 'holder#1' is running", "spinner#2");
    }

    private static void waitUntil(AtomicBoolean b) {
        while (!b.get()) {
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
