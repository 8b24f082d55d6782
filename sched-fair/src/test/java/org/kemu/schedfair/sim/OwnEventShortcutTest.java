package org.kemu.schedfair.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.KernelException;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.MemoryBandwidth;
import org.kemu.schedfair.RunStats;
import org.kemu.schedfair.RuntimeCosts;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;
import org.kemu.schedfair.Topology;

/**
 * Issue 15: when a task's work item ends before any timer and any other CPU's event, SchedCore ends
 * it in place instead of planning it in the CPU heap for the event loop to take out again. That must
 * be the same event: the same run, event for event (count, hash, end time, busy time, what the tasks
 * saw), with the shortcut on and off, in worlds where it is taken often and where timers, other CPUs,
 * ties, streams, cgroup bandwidth limits and a virtual time limit get in its way.
 */
class OwnEventShortcutTest {

    private static SimKernel kernel(int cpus, long seed, long timeLimitNs) {
        MachineSpec m = new MachineSpec("own", new Topology(2, cpus / 2, 1, 1L << 30),
                new MemoryBandwidth(30e9, 10e9), RuntimeCosts.FREE);
        KernelConfig c = KernelConfig.of(m, seed);
        return new SimKernel(timeLimitNs > 0 ? c.withTimeLimitNs(timeLimitNs) : c);
    }

    /** Mixed tasks: short and long CPU items, streams, locks, sleeps, a throttled group, follow-on items. */
    private static RunStats world(boolean shortcut, int cpus, int tasks, long seed, long timeLimitNs,
            List<String> log, long[] shortcutEvents) {
        return world(shortcut, cpus, tasks, seed, timeLimitNs, 1, log, shortcutEvents);
    }

    /**
     * {@code grain}: every amount a multiple of it, so that item ends, sleeps' timers and other CPUs'
     * events often fall on the same nanosecond (the ties the shortcut must leave to the event loop).
     */
    private static RunStats world(boolean shortcut, int cpus, int tasks, long seed, long timeLimitNs, long grain,
            List<String> log, long[] shortcutEvents) {
        SimKernel k = kernel(cpus, seed, timeLimitNs);
        k.ownEventShortcut(shortcut);
        BusyWorldParts w = BusyWorldParts.of(k);
        for (int i = 0; i < tasks; i++) {
            int id = i;
            Task t = k.spawn(i % 3 == 0 ? TaskSpec.kthread("k" + i) : TaskSpec.user("u" + i, 1), () -> {
                RandomGenerator r = k.random("w" + id);
                for (int j = 0; j < 80; j++) {
                    switch (r.nextInt(5)) {
                        case 0 -> k.work(grain * (1 + r.nextInt(200))); // a lock-charge-sized item at grain 1
                        case 1 -> k.work(grain * (20 + r.nextInt(300)));
                        case 2 -> k.work(grain * (1 + r.nextInt(5)), r.nextInt(2), 4096L * (1 + r.nextInt(64)),
                                () -> grain * (1 + r.nextInt(4)));
                        case 3 -> {
                            w.mutex().lock();
                            k.work(grain * (2 + r.nextInt(10)));
                            w.mutex().unlock();
                        }
                        default -> {
                            w.rwsem().downRead();
                            k.work(grain * 3);
                            w.rwsem().upRead();
                        }
                    }
                    if (r.nextInt(10) == 0) {
                        k.sleep(grain * (1 + r.nextInt(200)));
                    }
                }
                log.add(id + "@" + k.now());
                w.done().complete();
            });
            if (id % 2 == 0) {
                k.cpuController().attach(t, w.limited());
            }
        }
        RunStats s;
        try {
            s = k.run();
        } finally {
            shortcutEvents[0] = k.ownEvents();
        }
        log.add("usage " + w.limited().cpuStat().usageUsec() + " throttled " + w.limited().cpuStat().throttledUsec());
        return s;
    }

    @ParameterizedTest(name = "{0} CPUs, {1} tasks, seed {2}, grain {3} ns")
    @CsvSource({"2, 1, 1, 1", "2, 6, 2, 1", "4, 3, 3, 1", "8, 12, 4, 1", "8, 2, 5, 1",
        "2, 6, 6, 1000", "4, 8, 7, 1000", "8, 12, 8, 1000", "4, 8, 9, 100000"})
    void theShortcutChangesNoEvent(int cpus, int tasks, long seed, long grain) {
        List<String> slow = new ArrayList<>();
        List<String> fast = new ArrayList<>();
        long[] off = new long[1];
        long[] on = new long[1];
        RunStats a = world(false, cpus, tasks, seed, 0, grain, slow, off);
        RunStats b = world(true, cpus, tasks, seed, 0, grain, fast, on);
        assertThat(off[0]).isZero();
        assertThat(on[0]).as("items the shortcut ended").isPositive();
        assertThat(b.events()).isEqualTo(a.events());
        assertThat(b.eventHash()).isEqualTo(a.eventHash());
        assertThat(b.endTimeNs()).isEqualTo(a.endTimeNs());
        assertThat(b.cpuBusyNs()).containsExactly(a.cpuBusyNs());
        assertThat(fast).containsExactlyElementsOf(slow);
    }

    /** A run stopped by its virtual time limit reports the same failure, at the same event, either way. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2})
    void aTimeLimitStopsTheRunAtTheSameEvent(long seed) {
        String[] msg = new String[2];
        for (int i = 0; i < 2; i++) {
            boolean shortcut = i == 1;
            KernelException e = catchThrowableOfType(KernelException.class,
                    () -> world(shortcut, 2, 1, seed, 3_000_000, 1_000, new ArrayList<>(), new long[1]));
            assertThat(e).isNotNull();
            assertThat(e.check()).isEqualTo("sim:virtual_time_limit");
            msg[i] = e.getMessage();
        }
        assertThat(msg[1]).isEqualTo(msg[0]);
    }
}
