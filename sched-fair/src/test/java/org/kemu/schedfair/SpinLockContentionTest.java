package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * Many tasks hammering one spinlock: every acquisition is exclusive and counted, on real threads as
 * in virtual time. On the hosted backend this used to crash in about half the runs with
 * {@code Cannot invoke "HostedTask.toString()" because "this.owner" is null}: the spinner read the
 * volatile owner twice to describe its wait, and the holder could release between the two reads
 * (issue 17, defect 1). The holder list now reads the owner once.
 */
class SpinLockContentionTest {
    private static final int TASKS = 4;
    private static final int ROUNDS = 20_000;

    /** A plain counter, protected only by the spinlock: a lost update means mutual exclusion failed. */
    private static final class Counter {
        long value;
    }

    private static void hammer(Kernel k, int rounds) {
        SpinLock lock = k.spinlock("hot");
        Counter c = new Counter();
        for (int i = 0; i < TASKS; i++) {
            k.spawn(TaskSpec.kthread("spinner" + i), () -> {
                for (int r = 0; r < rounds; r++) {
                    lock.lock();
                    c.value++;
                    lock.unlock();
                }
            });
        }
        RunStats s = k.run();
        assertThat(c.value).isEqualTo((long) TASKS * rounds);
        assertThat(lock.isLocked()).isFalse();
        LockStats ls = s.locks().stream().filter(l -> l.name().equals("hot")).findFirst().orElseThrow();
        assertThat(ls.acquisitions()).isEqualTo((long) TASKS * rounds);
    }

    @RepeatedTest(10)
    void hostedKthreadsContendingOnOneSpinlock() {
        hammer(Kernels.hosted(KernelConfig.of(MachineSpec.simple(TASKS), 7)), ROUNDS);
    }

    @Test
    void simulatedKthreadsContendingOnOneSpinlock() {
        hammer(Kernels.simulated(KernelConfig.of(MachineSpec.simple(TASKS), 7)), 2_000);
    }
}
