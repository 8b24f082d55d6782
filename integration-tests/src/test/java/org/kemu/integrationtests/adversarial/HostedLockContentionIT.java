package org.kemu.integrationtests.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.RepeatedTest;
import org.kemu.schedfair.AtomicCounter;
import org.kemu.schedfair.Completion;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.RwSemaphore;
import org.kemu.schedfair.SpinLock;
import org.kemu.schedfair.TaskSpec;
import org.kemu.schedfair.WaitQueue;

/**
 * Issue 17, "adversarial suites": every lock type of the hosted backend under contention from
 * kthreads on real threads (spinlock, mutex, rwsem read and write, completion, wait queue, atomic).
 * Each case asserts what holds for every interleaving, never a timing: mutual exclusion seen through
 * an in-section flag and a plain (non-atomic) counter whose final value is exact, readers never
 * overlapping a writer nor seeing its half-done update, completions and wait-queue turns handing
 * over in exactly the order they encode, and lockdep reporting nothing. Repeated 50 times.
 */
class HostedLockContentionIT {
    private static final int TASKS = 4;
    private static final int ITER = 2_000;

    /** Plain fields on purpose: only the kernel lock under test orders their updates. */
    private static final class Shared {
        long counter;
        int inside;
        long a;
        long b;
        final List<String> problems = new ArrayList<>();

        synchronized void problem(String p) {
            if (problems.size() < 10) {
                problems.add(p);
            }
        }
    }

    private static Kernel hosted() {
        return Kernels.hosted(KernelConfig.of(MachineSpec.simple(TASKS), 17));
    }

    private static void runAndCheckLockdep(Kernel k) {
        k.run();
        assertThat(k.lockdep().violations()).as("lockdep").isEmpty();
    }

    /** The body of one critical section: nobody else inside, then a non-atomic increment. */
    private static void critical(Shared s, String lock) {
        if (s.inside != 0) {
            s.problem(lock + ": " + s.inside + " already inside");
        }
        s.inside++;
        s.counter = s.counter + 1;
        s.inside--;
    }

    @RepeatedTest(50)
    void spinlockExcludes() {
        Kernel k = hosted();
        SpinLock l = k.spinlock("contended");
        Shared s = new Shared();
        for (int i = 0; i < TASKS; i++) {
            k.spawn(TaskSpec.kthread("spin" + i), () -> {
                for (int j = 0; j < ITER; j++) {
                    l.lock();
                    try {
                        critical(s, "spinlock");
                    } finally {
                        l.unlock();
                    }
                }
            });
        }
        runAndCheckLockdep(k);
        assertThat(s.problems).isEmpty();
        assertThat(s.counter).isEqualTo((long) TASKS * ITER);
        assertThat(l.isLocked()).isFalse();
    }

    @RepeatedTest(50)
    void mutexExcludes() {
        Kernel k = hosted();
        Mutex m = k.mutex("contended");
        Shared s = new Shared();
        for (int i = 0; i < TASKS; i++) {
            boolean viaTry = i % 2 == 1;
            k.spawn(TaskSpec.kthread("mutex" + i), () -> {
                for (int j = 0; j < ITER; j++) {
                    if (viaTry) {
                        while (!m.tryLock()) {
                            k.condResched();
                        }
                    } else {
                        m.lock();
                    }
                    try {
                        critical(s, "mutex");
                    } finally {
                        m.unlock();
                    }
                }
            });
        }
        runAndCheckLockdep(k);
        assertThat(s.problems).isEmpty();
        assertThat(s.counter).isEqualTo((long) TASKS * ITER);
        assertThat(m.isLocked()).isFalse();
        assertThat(m.owner()).isNull();
    }

    /**
     * Writers update two fields one after the other under the write lock; readers under the read
     * lock must never see them differ, and never overlap a writer.
     */
    @RepeatedTest(50)
    void rwsemReadersNeverSeeAWriterAndWritersExclude() {
        Kernel k = hosted();
        RwSemaphore sem = k.rwsem("contended");
        Shared s = new Shared();
        AtomicCounter readersInside = k.atomic("readers_inside", 0);
        AtomicCounter reads = k.atomic("reads", 0);
        for (int i = 0; i < TASKS; i++) {
            boolean writer = i < TASKS / 2;
            k.spawn(TaskSpec.kthread((writer ? "writer" : "reader") + i), () -> {
                for (int j = 0; j < ITER; j++) {
                    if (writer) {
                        sem.downWrite();
                        try {
                            if (readersInside.get() != 0) {
                                s.problem("writer entered with " + readersInside.get() + " readers inside");
                            }
                            critical(s, "rwsem write");
                            s.a = s.a + 1;
                            s.b = s.a;
                        } finally {
                            sem.upWrite();
                        }
                    } else {
                        sem.downRead();
                        try {
                            readersInside.addAndGet(1);
                            if (s.inside != 0) {
                                s.problem("reader overlaps a writer");
                            }
                            if (s.a != s.b) {
                                s.problem("reader saw a half-done update: a " + s.a + ", b " + s.b);
                            }
                            reads.addAndGet(1);
                            readersInside.addAndGet(-1);
                        } finally {
                            sem.upRead();
                        }
                    }
                }
            });
        }
        runAndCheckLockdep(k);
        assertThat(s.problems).isEmpty();
        assertThat(s.counter).isEqualTo((long) (TASKS / 2) * ITER);
        assertThat(s.a).isEqualTo(s.counter).isEqualTo(s.b);
        assertThat(reads.get()).isEqualTo((long) (TASKS - TASKS / 2) * ITER);
        assertThat(sem.readers()).isZero();
        assertThat(sem.writer()).isNull();
    }

    /**
     * A relay: task i waits for completion i and completes i + 1, for many rounds, so the order of
     * the appends below is fixed whatever the scheduling; {@code complete_all} then releases every
     * waiter of one completion at once.
     */
    @RepeatedTest(50)
    void completionsHandOverInTheirOrder() {
        Kernel k = hosted();
        int rounds = ITER / 20;
        Completion[] c = new Completion[TASKS * rounds + 1];
        for (int i = 0; i < c.length; i++) {
            c[i] = k.completion("relay" + i);
        }
        Completion gate = k.completion("gate");
        AtomicCounter released = k.atomic("released", 0);
        List<Integer> order = new ArrayList<>(); // appended by one task at a time: the relay orders them
        for (int i = 0; i < TASKS; i++) {
            int me = i;
            k.spawn(TaskSpec.kthread("relay" + i), () -> {
                for (int r = 0; r < rounds; r++) {
                    int step = r * TASKS + me;
                    c[step].waitForCompletion();
                    order.add(step);
                    c[step + 1].complete();
                }
                gate.waitForCompletion();
                released.addAndGet(1);
            });
        }
        k.spawn(TaskSpec.kthread("starter"), () -> {
            c[0].complete();
            c[c.length - 1].waitForCompletion();
            gate.completeAll();
        });
        runAndCheckLockdep(k);
        assertThat(order).hasSize(TASKS * rounds);
        for (int i = 0; i < order.size(); i++) {
            assertThat(order.get(i)).as("step %d", i).isEqualTo(i);
        }
        assertThat(released.get()).isEqualTo(TASKS);
        assertThat(gate.done()).isTrue();
    }

    /**
     * Turns taken through a wait queue: task i waits until the turn is its own, does its step, passes
     * the turn on and wakes the queue. Only the task whose turn it is touches the state.
     */
    @RepeatedTest(50)
    void waitQueueTurnsGoRoundInOrder() {
        Kernel k = hosted();
        WaitQueue wq = k.waitQueue("turns");
        int rounds = ITER / 20;
        long[] turn = new long[1];
        Object turnGuard = new Object(); // the test's view of "turn": READ_ONCE/WRITE_ONCE of one word
        List<Long> order = new ArrayList<>();
        Shared s = new Shared();
        for (int i = 0; i < TASKS; i++) {
            int me = i;
            k.spawn(TaskSpec.kthread("turn" + i), () -> {
                for (int r = 0; r < rounds; r++) {
                    wq.waitEvent(() -> {
                        synchronized (turnGuard) {
                            return turn[0] % TASKS == me;
                        }
                    });
                    long t;
                    synchronized (turnGuard) {
                        t = turn[0];
                    }
                    critical(s, "wait queue turn");
                    order.add(t);
                    synchronized (turnGuard) {
                        turn[0] = t + 1;
                    }
                    wq.wakeUp();
                }
            });
        }
        runAndCheckLockdep(k);
        assertThat(s.problems).isEmpty();
        assertThat(s.counter).isEqualTo((long) TASKS * rounds);
        for (int i = 0; i < order.size(); i++) {
            assertThat(order.get(i)).isEqualTo((long) i);
        }
        assertThat(wq.waiters()).isZero();
    }

    @RepeatedTest(50)
    void atomicLosesNoUpdate() {
        Kernel k = hosted();
        AtomicCounter add = k.atomic("add", 0);
        AtomicCounter cas = k.atomic("cas", 0);
        for (int i = 0; i < TASKS; i++) {
            k.spawn(TaskSpec.kthread("atomic" + i), () -> {
                for (int j = 0; j < ITER; j++) {
                    add.addAndGet(1);
                    long v;
                    do {
                        v = cas.get();
                    } while (!cas.compareAndSet(v, v + 2));
                }
            });
        }
        runAndCheckLockdep(k);
        assertThat(add.get()).isEqualTo((long) TASKS * ITER);
        assertThat(cas.get()).isEqualTo(2L * TASKS * ITER);
    }
}
