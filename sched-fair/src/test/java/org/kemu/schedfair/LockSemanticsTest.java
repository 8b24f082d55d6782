package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Lock semantics that matter for contention, on both backends (docs/design.md section 2, "Blocking";
 * kernel/locking/rwsem.c and mutex.c for the queueing rules).
 */
class LockSemanticsTest {

    static java.util.stream.Stream<Backend> backends() {
        return Backends.both();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void readersShareTheRwsem(Backend b) {
        Kernel k = Backends.kernel(b, 4);
        RwSemaphore sem = k.rwsem("mmap_lock");
        Completion[] in = {k.completion("r0 in"), k.completion("r1 in")};
        Completion[] seen = {k.completion("r0 seen"), k.completion("r1 seen")};
        int[] seenReaders = new int[2];
        for (int i = 0; i < 2; i++) {
            int id = i;
            k.spawn(TaskSpec.kthread("reader" + i), () -> {
                sem.downRead();
                in[id].complete();
                // each reader waits, holding the lock, for the other to be inside: only
                // possible when readers share it (otherwise the run deadlocks)
                in[1 - id].waitForCompletion();
                seenReaders[id] = sem.readers();
                seen[id].complete();
                seen[1 - id].waitForCompletion();
                k.work(1_000_000);
                sem.upRead();
            });
        }
        k.run();
        assertThat(seenReaders).containsExactly(2, 2);
        assertThat(sem.readers()).isZero();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aWaitingWriterBlocksLaterReadersAndWritersAreExclusive(Backend b) {
        Kernel k = Backends.kernel(b, 4);
        RwSemaphore sem = k.rwsem("sem");
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        Completion readerIn = k.completion("reader in");
        // Every wait below is on a condition that becomes true in every interleaving, never on a
        // sleep of fixed length: r1 holds the lock until both w and r2 are queued behind it, and r2
        // arrives only once w is queued. (A fixed 5 ms hold made the hosted run hang when the host
        // starved w past it: w then took the lock uncontended and r2 waited for contention forever.)
        k.spawn(TaskSpec.kthread("r1"), () -> {
            sem.downRead();
            order.add("r1 in");
            readerIn.completeAll();
            while (sem.nrWaiters() < 2) {
                k.sleep(100_000);
            }
            order.add("r1 out");
            sem.upRead();
        });
        k.spawn(TaskSpec.kthread("w"), () -> {
            readerIn.waitForCompletion();
            sem.downWrite();
            order.add("w in");
            assertThat(sem.readers()).isZero();
            k.sleep(1_000_000);
            order.add("w out");
            sem.upWrite();
        });
        k.spawn(TaskSpec.kthread("r2"), () -> {
            readerIn.waitForCompletion();
            // arrive only once the writer is queued
            while (sem.nrWaiters() < 1) {
                k.sleep(100_000);
            }
            sem.downRead();
            order.add("r2 in");
            sem.upRead();
        });
        // r2 arrives while r1 holds the lock for read and w is queued: it must wait for w.
        k.run();
        assertThat(order).containsExactly("r1 in", "r1 out", "w in", "w out", "r2 in");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void mutexIsHandedOffInArrivalOrder(Backend b) {
        Kernel k = Backends.kernel(b, 8);
        Mutex m = k.mutex("m");
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        Completion held = k.completion("held");
        k.spawn(TaskSpec.kthread("holder"), () -> {
            m.lock();
            held.completeAll();
            while (m.nrWaiters() < 5) {
                k.sleep(100_000);
            }
            m.unlock();
        });
        for (int i = 0; i < 5; i++) {
            int id = i;
            k.spawn(TaskSpec.kthread("waiter" + i), () -> {
                held.waitForCompletion();
                // queue strictly after waiter id-1, whatever the backend's timing
                while (m.nrWaiters() < id) {
                    k.sleep(100_000);
                }
                m.lock();
                order.add(id);
                m.unlock();
            });
        }
        k.run();
        assertThat(order).containsExactly(0, 1, 2, 3, 4);
        assertThat(m.stats().contentions()).isEqualTo(5);
        assertThat(m.stats().acquisitions()).isEqualTo(6);
    }

    @Test
    void spinningBurnsCpuTimeThatShowsInTheWaitersRuntime() {
        Kernel k = Backends.sim(2);
        SpinLock s = k.spinlock("s");
        Completion held = k.completion("held");
        k.spawn(TaskSpec.kthread("holder"), () -> {
            s.lock();
            held.complete();
            k.work(3_000_000);
            s.unlock();
        });
        Task waiter = k.spawn(TaskSpec.kthread("spinner"), () -> {
            held.waitForCompletion();
            s.lock();
            s.unlock();
        });
        k.run();
        // the spinner waited (spinning) for the 3 ms the holder worked under the lock
        assertThat(waiter.sumExecRuntime()).isEqualTo(3_000_000L);
        assertThat(s.stats().maxWaitNs()).isEqualTo(3_000_000L);
    }

    @Test
    void sleepingWhileHoldingASpinlockIsABug() {
        Kernel k = Backends.sim(1);
        SpinLock s = k.spinlock("s");
        k.spawn(TaskSpec.kthread("bad"), () -> {
            s.lock();
            k.sleep(1_000);
        });
        org.assertj.core.api.Assertions.assertThatThrownBy(k::run)
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("scheduling while atomic");
    }
}
