package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** docs/design.md section 2, "Deadlock" and "Lock checking". */
class DeadlockAndLockdepTest {

    static java.util.stream.Stream<Backend> backends() {
        return Backends.both();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void abbaDeadlockNamesBothTasksAndBothLocks(Backend b) {
        Kernel k = Backends.kernel(b, 2);
        Mutex l1 = k.mutex("L1");
        Mutex l2 = k.mutex("L2");
        Completion aHolds = k.completion("A holds L1");
        Completion bHolds = k.completion("B holds L2");
        k.spawn(TaskSpec.kthread("A"), () -> {
            l1.lock();
            aHolds.complete();
            bHolds.waitForCompletion();
            l2.lock();
        });
        k.spawn(TaskSpec.kthread("B"), () -> {
            l2.lock();
            bHolds.complete();
            aHolds.waitForCompletion();
            l1.lock();
        });
        assertThatThrownBy(k::run)
                .isInstanceOf(DeadlockException.class)
                .hasMessageContaining("'A#1' waits on mutex 'L2' held by [B#2]")
                .hasMessageContaining("'B#2' waits on mutex 'L1' held by [A#1]")
                .satisfies(e -> assertThat(((KernelException) e).errno()).isEqualTo(Errno.EDEADLK));
        assertThat(k.lockdep().violations()).anySatisfy(v -> {
            assertThat(v.kind()).isEqualTo(LockViolation.Kind.LOCK_ORDER_INVERSION);
            assertThat(v.locks()).contains("L1", "L2");
        });
    }

    @ParameterizedTest
    @MethodSource("backends")
    void inversionIsReportedEvenWhenTheRunDoesNotDeadlock(Backend b) {
        Kernel k = Backends.kernel(b, 2);
        Mutex a = k.mutex("A");
        Mutex bb = k.mutex("B");
        Completion firstDone = k.completion("first done");
        k.spawn(TaskSpec.kthread("first"), () -> {
            a.lock();
            bb.lock();
            bb.unlock();
            a.unlock();
            firstDone.complete();
        });
        k.spawn(TaskSpec.kthread("second"), () -> {
            firstDone.waitForCompletion();
            bb.lock();
            a.lock();
            a.unlock();
            bb.unlock();
        });
        RunStats s = k.run();
        assertThat(s.violations()).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(LockViolation.Kind.LOCK_ORDER_INVERSION);
            assertThat(v.tasks()).containsExactlyInAnyOrder("second", "first");
            assertThat(v.message()).contains("'second' takes 'A' while holding 'B'");
        });
    }

    @Test
    void failFastTurnsAnInversionIntoEdeadlk() {
        Kernel k = Backends.sim(1);
        k.lockdep().setFailFast(true);
        Mutex a = k.mutex("A");
        Mutex b = k.mutex("B");
        Errno[] seen = new Errno[1];
        k.spawn(TaskSpec.kthread("t"), () -> {
            a.lock();
            b.lock();
            b.unlock();
            a.unlock();
            b.lock();
            try {
                a.lock();
            } catch (KernelException e) {
                seen[0] = e.errno();
            }
            b.unlock();
        });
        k.run();
        assertThat(seen[0]).isEqualTo(Errno.EDEADLK);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void lockMapReportsWaitingForHelpersWhileHoldingTheirLock(Backend b) {
        Kernel k = Backends.kernel(b, 2);
        Mutex shared = k.mutex("shared");
        LockValidator.LockMap job = k.lockdep().lockMap("padata job");
        Completion helperDone = k.completion("helper done");
        Completion mainWaiting = k.completion("main waiting");
        k.spawn(TaskSpec.kthread("helper"), () -> {
            mainWaiting.waitForCompletion();
            job.acquire();
            // under a real deadlock the helper would block here; it takes it after main drops it
            shared.lock();
            shared.unlock();
            job.release();
            helperDone.complete();
        });
        k.spawn(TaskSpec.kthread("main"), () -> {
            shared.lock();
            job.acquire();
            job.release();
            shared.unlock();
            mainWaiting.complete();
            helperDone.waitForCompletion();
        });
        RunStats s = k.run();
        assertThat(s.violations()).anySatisfy(v -> assertThat(v.kind()).isEqualTo(LockViolation.Kind.WAIT_WHILE_HOLDING));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void assertHeldChecksTheCurrentTask(Backend b) {
        Kernel k = Backends.kernel(b, 1);
        Mutex m = k.mutex("m");
        boolean[] ok = new boolean[2];
        k.spawn(TaskSpec.kthread("t"), () -> {
            try {
                m.assertHeld();
            } catch (IllegalStateException e) {
                ok[0] = e.getMessage().contains("'m' not held");
            }
            m.lock();
            m.assertHeld();
            ok[1] = true;
            m.unlock();
        });
        k.run();
        assertThat(ok).containsExactly(true, true);
    }
}
