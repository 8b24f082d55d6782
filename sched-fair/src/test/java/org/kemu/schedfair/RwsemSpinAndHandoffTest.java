package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Linux 5.14 kernel/locking/rwsem.c on the simulated backend: writer optimistic spinning, the rspin
 * threshold on a reader-owned lock, the reader slow path, rwsem_mark_wake and the handoff bit. The
 * test machine charges only a 2 us context switch, so a task that slept and was woken is told from
 * one that spun by when it runs and by how much CPU time its wait took.
 */
class RwsemSpinAndHandoffTest {
    private static final long SWITCH_NS = 2_000;

    private static Kernel sim(int cpus) {
        return Kernels.simulated(config(cpus));
    }

    private static KernelConfig config(int cpus) {
        MachineSpec m = new MachineSpec("rwsem-" + cpus, Topology.uniform(cpus), new MemoryBandwidth(10e9, 10e9),
                new RuntimeCosts(SWITCH_NS, 0, 0, 0, 0));
        return KernelConfig.of(m, 42);
    }

    private static TaskSpec on(String name, int cpu) {
        return TaskSpec.kthread(name).withAffinity(CpuMask.of(cpu));
    }

    /**
     * rwsem_down_write_slowpath -> rwsem_can_spin_on_owner (the owner is a writer on a CPU) ->
     * rwsem_optimistic_spin: the second writer burns its CPU and takes the lock the instant the
     * owner releases it (rwsem_try_write_lock_unqueued), with no wake-up and no context switch.
     */
    @Test
    void aWriterSpinsBehindAShortWriterHold() {
        Kernel k = sim(2);
        RwSemaphore sem = k.rwsem("mmap_lock");
        Completion held = k.completion("held");
        long[] t = new long[4];
        k.spawn(on("a", 0), () -> {
            sem.downWrite();
            held.completeAll();
            k.work(50_000);
            t[0] = k.now();
            sem.upWrite();
        });
        k.spawn(on("b", 1), () -> {
            held.waitForCompletion();
            t[1] = k.now();
            long run0 = k.current().sumExecRuntime();
            sem.downWrite();
            t[2] = k.now();
            t[3] = k.current().sumExecRuntime() - run0;
            sem.upWrite();
        });
        k.run();
        assertThat(t[2]).as("b owns the lock when a drops it").isEqualTo(t[0]);
        assertThat(t[3]).as("b's whole wait was CPU time (spinning)").isEqualTo(t[2] - t[1]).isPositive();
        assertThat(sem.nrWaiters()).isZero();
    }

    /**
     * rwsem_optimistic_spin on a reader-owned lock: the head spinner gives up at
     * rwsem_rspin_threshold, (20 + min(readers, 30)) * NSEC_PER_USEC / 2 after it first saw the lock
     * reader-owned, sets RWSEM_NONSPINNABLE and sleeps until the last reader's up_read wakes it.
     */
    @ParameterizedTest
    @CsvSource({"1, 10500", "3, 11500", "40, 25000"})
    void aWriterStopsSpinningOnALongReaderHoldAndSleeps(int nrReaders, long spinNs) {
        Kernel k = sim(nrReaders + 1);
        RwSemaphore sem = k.rwsem("mmap_lock");
        Completion allIn = k.completion("readers in");
        int[] in = new int[1];
        long[] rOut = new long[1];
        for (int i = 0; i < nrReaders; i++) {
            k.spawn(on("r" + i, i), () -> {
                sem.downRead();
                if (++in[0] == nrReaders) {
                    allIn.completeAll();
                }
                k.work(1_000_000);
                rOut[0] = Math.max(rOut[0], k.now());
                sem.upRead();
            });
        }
        long[] w = new long[2];
        k.spawn(on("w", nrReaders), () -> {
            allIn.waitForCompletion();
            long run0 = k.current().sumExecRuntime();
            sem.downWrite();
            w[0] = k.now();
            w[1] = k.current().sumExecRuntime() - run0;
            sem.upWrite();
        });
        k.run();
        assertThat(w[1]).as("CPU time spent spinning").isEqualTo(spinNs);
        assertThat(w[0]).as("woken by the last up_read, after a context switch").isEqualTo(rOut[0] + SWITCH_NS);
    }

    /**
     * rwsem_read_trylock fails only on RWSEM_READ_FAILED_MASK: a spinning writer sets no
     * RWSEM_FLAG_WAITERS, so a reader arriving while it spins shares the lock; once the writer has
     * queued, rwsem_down_read_slowpath sends a reader to the queue while other readers own the lock
     * (owner RWSEM_READER_OWNED and rcnt > 1), and it gets in only after the writer.
     */
    @Test
    void readersShareWithASpinningWriterButQueueBehindAQueuedOne() {
        Kernel k = sim(4);
        RwSemaphore sem = k.rwsem("mmap_lock");
        List<String> order = new ArrayList<>();
        int[] waitersSeenByLate = new int[1];
        k.spawn(on("r1", 0), () -> {
            sem.downRead();
            order.add("r1 in");
            k.work(1_000_000);
            order.add("r1 out");
            sem.upRead();
        });
        k.spawn(on("w", 1), () -> {
            k.sleep(1_000);
            sem.downWrite();
            order.add("w in");
            k.work(10_000);
            order.add("w out");
            sem.upWrite();
        });
        k.spawn(on("r2", 2), () -> {
            k.sleep(5_000); // w spins from 1 us to 11.5 us
            sem.downRead();
            order.add("r2 in");
            k.work(10_000);
            order.add("r2 out");
            sem.upRead();
        });
        k.spawn(on("r3", 3), () -> {
            k.sleep(50_000); // w has queued
            waitersSeenByLate[0] = sem.nrWaiters();
            sem.downRead();
            order.add("r3 in");
            sem.upRead();
        });
        k.run();
        assertThat(waitersSeenByLate[0]).isEqualTo(1);
        assertThat(order).containsExactly("r1 in", "r2 in", "r2 out", "r1 out", "w in", "w out", "r3 in");
    }

    /**
     * rwsem_mark_wake(RWSEM_WAKE_ANY) with a reader at the head: every queued reader is granted the
     * lock at once (up to MAX_READERS_WAKEUP), the writer among them keeps its place in the queue. The
     * first writer sleeps while it holds the lock, so the second cannot spin (owner not on a CPU).
     */
    @Test
    void markWakeGrantsAllQueuedReadersAtOnce() {
        Kernel k = sim(6);
        RwSemaphore sem = k.rwsem("mmap_lock");
        int[] seen = new int[2];
        List<String> order = new ArrayList<>();
        k.spawn(on("w1", 0), () -> {
            sem.downWrite();
            k.sleep(100_000);
            sem.upWrite();
            seen[0] = sem.readers();
            seen[1] = sem.nrWaiters();
        });
        String[] names = {"r1", "r2", "r3", "w2", "r4"};
        for (int i = 0; i < names.length; i++) {
            String n = names[i];
            long arrive = 10_000L * (i + 1);
            k.spawn(on(n, i + 1), () -> {
                k.sleep(arrive);
                if (n.startsWith("w")) {
                    sem.downWrite();
                    order.add(n);
                    sem.upWrite();
                } else {
                    sem.downRead();
                    order.add(n);
                    k.work(5_000);
                    sem.upRead();
                }
            });
        }
        k.run();
        assertThat(seen).as("readers granted, waiters left").containsExactly(4, 1);
        assertThat(order).containsExactly("r1", "r2", "r3", "r4", "w2");
    }

    /**
     * A woken writer is not handed the lock (rwsem_mark_wake only wakes it); a reader arriving before
     * it runs steals the free lock (rwsem_down_read_slowpath, no RWSEM_WRITER_LOCKED or HANDOFF).
     * After RWSEM_WAIT_TIMEOUT (4 jiffies at HZ=1000, time_after: from the 5th jiffy) the first
     * waiter sets RWSEM_FLAG_HANDOFF in rwsem_try_write_lock, readers then queue, and the writer gets
     * the next release although the reader stream goes on for 20 ms.
     */
    @Test
    void handoffEndsStarvationByAStreamOfReaders() {
        assertThat(writerEntryUnderAReaderStream(config(2))).as("the writer waited for the handoff")
                .isBetween(5_000_000L, 5_200_000L);
    }

    /**
     * The timeout counts jiffies of the run's tick grid: RWSEM_WAIT_TIMEOUT = DIV_ROUND_UP(HZ, 250)
     * is 1 jiffy at HZ 250, so the writer queued in jiffy 0 may set the handoff from jiffy 2, at 8 ms
     * (kemu counted 4 jiffies of 1 ms whatever the HZ); and a run starting 0.5 ms into its jiffy
     * reaches jiffy 5 at 4.5 ms.
     */
    @Test
    void handoffTimeoutFollowsHzAndTheTickGrid() {
        assertThat(writerEntryUnderAReaderStream(config(2).withHz(250))).isBetween(8_000_000L, 8_200_000L);
        assertThat(writerEntryUnderAReaderStream(config(2).withTickOffsetNs(500_000)))
                .isBetween(4_500_000L, 4_700_000L);
    }

    /** When a writer arriving at 10 us gets the lock that a stream of readers keeps taking for 20 ms. */
    private static long writerEntryUnderAReaderStream(KernelConfig c) {
        Kernel k = Kernels.simulated(c);
        RwSemaphore sem = k.rwsem("mmap_lock");
        long[] wIn = new long[1];
        int[] sections = new int[2];
        k.spawn(on("reader", 0), () -> {
            while (k.now() < 20_000_000) {
                sem.downRead();
                k.work(50_000);
                sem.upRead();
                sections[0]++;
                // back before the woken writer has switched in (2 us)
                k.work(1_000);
            }
        });
        k.spawn(on("writer", 1), () -> {
            k.sleep(10_000);
            sem.downWrite();
            wIn[0] = k.now();
            sections[1] = sections[0];
            sem.upWrite();
        });
        k.run();
        assertThat(sections[1]).as("readers stole the lock meanwhile").isGreaterThan(80);
        return wIn[0];
    }

    /**
     * __up_read clears RWSEM_NONSPINNABLE (clear_nonspinnable) when the count drops to "no lock,
     * RWSEM_FLAG_WAITERS", before rwsem_wake. So after w1 gave up spinning on r's long hold and
     * slept, r re-took (stole) the lock it freed before w1 switched in (reader optimistic lock
     * stealing), and w2, arriving during that steal, may spin again (rwsem_can_spin_on_owner sees
     * no RWSEM_NONSPINNABLE): it takes the lock the instant the stealer drops it
     * (rwsem_try_write_lock_unqueued), ahead of the sleeping w1.
     */
    @Test
    void lastUpReadClearsNonspinnableSoALaterWriterSpinsAgain() {
        Kernel k = sim(3);
        RwSemaphore sem = k.rwsem("mmap_lock");
        List<String> order = new ArrayList<>();
        long[] w2 = new long[3];
        k.spawn(on("r", 0), () -> {
            sem.downRead();
            k.work(1_000_000);
            sem.upRead();
            // back 0.5 us later, before the woken w1 has switched in (2 us): r steals the lock
            k.work(500);
            sem.downRead();
            order.add("r");
            k.work(55_000);
            sem.upRead();
        });
        k.spawn(on("w1", 1), () -> {
            k.sleep(1_000); // spins 10.5 us on r, sets RWSEM_NONSPINNABLE, sleeps
            sem.downWrite();
            order.add("w1");
            sem.upWrite();
        });
        k.spawn(on("w2", 2), () -> {
            k.sleep(1_050_000); // r's second hold lasts from about 1 ms to 1.056 ms
            long run0 = k.current().sumExecRuntime();
            w2[0] = k.now();
            sem.downWrite();
            w2[1] = k.now();
            w2[2] = k.current().sumExecRuntime() - run0;
            order.add("w2");
            sem.upWrite();
        });
        k.run();
        assertThat(order).containsExactly("r", "w2", "w1");
        assertThat(w2[2]).as("w2 waited on its CPU (spinning), not asleep").isEqualTo(w2[1] - w2[0]).isPositive();
    }

    /**
     * rwsem_mark_wake with a reader at the head, called by rwsem_wake after an up_write whose lock a
     * spinning writer took first (oldcount has RWSEM_WRITER_MASK): the reader backs out and, once past
     * RWSEM_WAIT_TIMEOUT, sets RWSEM_FLAG_HANDOFF; rwsem_try_write_lock_unqueued then fails for the
     * spinners, the next up_write's rwsem_mark_wake grants the reader and clears the bit. Two writers
     * passing the lock to each other by spinning starve the reader for about 5 ms, not for the 20 ms
     * they keep at it.
     */
    @Test
    void aReaderStarvedBySpinningWritersSetsTheHandoff() {
        Kernel k = sim(3);
        RwSemaphore sem = k.rwsem("mmap_lock");
        long[] rIn = new long[1];
        int[] writerSections = new int[2];
        for (int i = 0; i < 2; i++) {
            int me = i;
            k.spawn(on("w" + i, i), () -> {
                k.sleep(1_000L * me);
                while (k.now() < 20_000_000) {
                    sem.downWrite();
                    k.work(100_000);
                    sem.upWrite();
                    writerSections[me]++;
                    k.work(1_000);
                }
            });
        }
        k.spawn(on("r", 2), () -> {
            k.sleep(50_000);
            sem.downRead();
            rIn[0] = k.now();
            sem.upRead();
        });
        k.run();
        assertThat(rIn[0]).as("granted after its timeout, two writer holds later at most").isBetween(4_000_000L, 5_300_000L);
        assertThat(writerSections[0] + writerSections[1]).as("the writers went on").isGreaterThan(150);
    }

    /**
     * A queued writer behind writers that pass the lock to each other by spinning. __up_write calls
     * rwsem_wake whenever RWSEM_FLAG_WAITERS was set, and rwsem_mark_wake(RWSEM_WAKE_ANY) wakes the
     * writer at the head even though a spinner already took the lock; the woken writer fails
     * rwsem_try_write_lock and, once past RWSEM_WAIT_TIMEOUT (from the 5th jiffy), sets
     * RWSEM_FLAG_HANDOFF, then, as WRITER_HANDOFF, spins on the on-CPU writer owner
     * (rwsem_spin_on_owner) and takes the lock the instant that owner releases it (OWNER_NULL ->
     * trylock_again), with no sleep.
     */
    @Test
    void aQueuedWriterBehindSpinningWritersGetsTheHandoffAndSpinsOnTheOwner() {
        Kernel k = sim(3);
        RwSemaphore sem = k.rwsem("mmap_lock");
        List<Long> releases = new ArrayList<>();
        long[] q = new long[3];
        Runnable passTheLock = () -> {
            while (k.now() < 20_000_000) {
                sem.downWrite();
                k.work(100_000);
                releases.add(k.now());
                sem.upWrite();
                k.work(1_000);
            }
        };
        k.spawn(on("w0", 0), () -> {
            sem.downRead();
            k.work(1_000_000);
            sem.upRead();
            // back 0.5 us later, before the woken wq has switched in (2 us): w0 spins and takes it
            k.work(500);
            passTheLock.run();
        });
        k.spawn(on("wq", 1), () -> {
            k.sleep(1_000); // spins 10.5 us on w0's read hold, sets RWSEM_NONSPINNABLE, queues in jiffy 0
            sem.downWrite();
            q[0] = k.now();
            sem.upWrite();
        });
        k.spawn(on("w1", 2), () -> {
            k.sleep(1_050_000); // spins on w0, the owner on a CPU
            passTheLock.run();
        });
        k.run();
        assertThat(q[0]).as("wq waited for the handoff").isBetween(5_000_000L, 5_250_000L);
        assertThat(releases).as("and took the lock the instant an on-CPU owner dropped it").contains(q[0]);
        assertThat(releases.size()).as("the spinning writers went on").isGreaterThan(150);
    }

    /** The hosted backend keeps real blocking and queue-order hand-off (no spinning, no stealing). */
    @RepeatedTest(50)
    void hostedRwsemUnaffected() {
        LockSemanticsTest t = new LockSemanticsTest();
        t.aWaitingWriterBlocksLaterReadersAndWritersAreExclusive(Backend.HOSTED);
        t.readersShareTheRwsem(Backend.HOSTED);
    }
}
