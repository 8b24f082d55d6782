package org.kemu.schedfair.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kemu.schedfair.Completion;
import org.kemu.schedfair.CpuCgroup;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.Errno;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.RunStats;
import org.kemu.schedfair.RwSemaphore;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskFailedException;
import org.kemu.schedfair.TaskSpec;

/**
 * Issue 15: the carrier of the tasks' code (continuations or virtual threads) is a host detail. The
 * same run on either gives the same event sequence, the same statistics and the same failure, and a
 * failed run leaves none of its tasks suspended. A test that only ran one carrier would let the
 * other drift, so each scenario runs on both in the same JVM.
 */
class CarrierEquivalenceTest {

    private static boolean continuationsHere() {
        return Continuations.AVAILABLE;
    }

    /** A busy world: bandwidth-limited user tasks, kthreads on a mutex and an rwsem, sleeps, a completion. */
    private static RunStats busyWorld(Carrier carrier, List<String> log) {
        SimKernel k = new SimKernel(KernelConfig.of(MachineSpec.simple(4), 11), carrier);
        assertThat(k.carrier()).isEqualTo(carrier);
        BusyWorldParts parts = BusyWorldParts.of(k);
        CpuController cc = k.cpuController();
        CpuCgroup g = parts.limited();
        Mutex m = parts.mutex();
        RwSemaphore sem = parts.rwsem();
        Completion done = parts.done();
        for (int i = 0; i < 10; i++) {
            int id = i;
            Task t = k.spawn(i % 2 == 0 ? TaskSpec.user("u" + i, 1) : TaskSpec.kthread("k" + i), () -> {
                RandomGenerator r = k.random("w" + id);
                for (int j = 0; j < 40; j++) {
                    k.work(20_000 + r.nextInt(200_000));
                    if (r.nextBoolean()) {
                        m.lock();
                        k.work(2_000 + r.nextInt(10_000));
                        m.unlock();
                    } else if (r.nextInt(4) == 0) {
                        sem.downWrite();
                        k.work(5_000);
                        sem.upWrite();
                    } else {
                        sem.downRead();
                        k.work(3_000 + r.nextInt(3_000));
                        sem.upRead();
                    }
                    if (r.nextInt(8) == 0) {
                        k.sleep(1 + r.nextInt(300_000));
                    }
                }
                log.add(id + "@" + k.now());
                done.complete();
            });
            if (id % 2 == 0) {
                cc.attach(t, g);
            }
        }
        k.spawn(TaskSpec.kthread("waiter"), () -> {
            for (int i = 0; i < 10; i++) {
                done.waitForCompletion();
            }
        });
        RunStats s = k.run();
        log.add("usage " + g.cpuStat().usageUsec() + " throttled " + g.cpuStat().throttledUsec());
        return s;
    }

    @Test
    void theSameRunOnEitherCarrierGivesTheSameEventsStatisticsAndOrder() {
        assumeTrue(continuationsHere(), Continuations.UNAVAILABLE_BECAUSE);
        List<String> logV = new ArrayList<>();
        List<String> logC = new ArrayList<>();
        RunStats v = busyWorld(Carrier.VIRTUAL_THREADS, logV);
        RunStats c = busyWorld(Carrier.CONTINUATIONS, logC);
        assertThat(v.events()).isGreaterThan(1_000);
        assertThat(c.events()).isEqualTo(v.events());
        assertThat(c.eventHash()).isEqualTo(v.eventHash());
        assertThat(c.endTimeNs()).isEqualTo(v.endTimeNs());
        assertThat(c.cpuBusyNs()).containsExactly(v.cpuBusyNs());
        assertThat(logC).containsExactlyElementsOf(logV);
    }

    /** A run that fails in task code, with tasks blocked on a mutex and asleep at the time. */
    private static String failingRun(Carrier carrier, List<String> unwound) {
        SimKernel k = new SimKernel(KernelConfig.of(MachineSpec.simple(2), 3), carrier);
        Mutex m = k.mutex("m");
        k.spawn(TaskSpec.kthread("holder"), () -> {
            m.lock();
            try {
                k.work(1_000_000);
                throw new IllegalArgumentException("bad value in task code");
            } finally {
                unwound.add("holder");
            }
        });
        for (int i = 0; i < 3; i++) {
            int id = i;
            k.spawn(TaskSpec.kthread("waiter" + i), () -> {
                try {
                    k.work(10_000);
                    m.lock();
                    m.unlock();
                } finally {
                    unwound.add("waiter" + id);
                }
            });
        }
        k.spawn(TaskSpec.kthread("sleeper"), () -> {
            try {
                k.sleep(1_000_000_000L);
            } finally {
                unwound.add("sleeper");
            }
        });
        TaskFailedException e = catchThrowableOfType(TaskFailedException.class, k::run);
        return e.getMessage() + " / " + e.getCause();
    }

    @Test
    void aFailedRunReportsTheSameFailureOnEitherCarrierAndUnwindsEveryTaskBeforeRunReturnsOnContinuations() {
        assumeTrue(continuationsHere(), Continuations.UNAVAILABLE_BECAUSE);
        List<String> unwoundV = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> unwoundC = new ArrayList<>();
        String v = failingRun(Carrier.VIRTUAL_THREADS, unwoundV);
        String c = failingRun(Carrier.CONTINUATIONS, unwoundC);
        assertThat(c).isEqualTo(v).contains("holder", "bad value in task code");
        // on continuations the carrier mounts each suspended task once more before run() returns
        assertThat(unwoundC).containsExactlyInAnyOrder("holder", "waiter0", "waiter1", "waiter2", "sleeper");
    }

    @ParameterizedTest
    @EnumSource(Carrier.class)
    void aDeadlockIsReportedAlikeOnBothCarriers(Carrier carrier) {
        assumeTrue(carrier == Carrier.VIRTUAL_THREADS || continuationsHere(), Continuations.UNAVAILABLE_BECAUSE);
        SimKernel k = new SimKernel(KernelConfig.of(MachineSpec.simple(2), 5), carrier);
        Mutex a = k.mutex("a");
        Mutex b = k.mutex("b");
        k.spawn(TaskSpec.kthread("ab"), () -> {
            a.lock();
            k.work(1_000);
            b.lock();
        });
        k.spawn(TaskSpec.kthread("ba"), () -> {
            b.lock();
            k.work(1_000);
            a.lock();
        });
        KernelException e = catchThrowableOfType(KernelException.class, k::run);
        assertThat(e.errno()).isEqualTo(Errno.EDEADLK);
        assertThat(e.getMessage()).contains("ab", "ba");
    }

    @Test
    void theTestForksCarryTasksOnContinuationsFromJdk24() {
        // pom.xml's argLine exports jdk.internal.vm: losing the export would silently fall back
        assumeTrue(Runtime.version().feature() >= 24, "continuations need JDK 24+");
        assumeTrue(System.getProperty(Carrier.PROPERTY) == null, "a carrier is forced for this run");
        assertThat(Continuations.UNAVAILABLE_BECAUSE).isNull();
        assertThat(Carrier.configured()).isEqualTo(Carrier.CONTINUATIONS);
    }
}
