package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Weight-proportional sharing of one CPU by the fair class (docs/kernel/sched-fair.md section 2.1:
 * a runnable task gets w_i / sum(w) of the CPU; nice 0 vs nice 19 is 1024 : 15).
 */
class FairShareTest {
    private static final long WINDOW_NS = 10_000_000_000L;

    /** Two hogs that keep working in 1 ms pieces until the window ends. */
    private static double[] shares(int niceA, int niceB) {
        Kernel k = Backends.sim(1);
        Task[] t = new Task[2];
        int[] nices = {niceA, niceB};
        for (int i = 0; i < 2; i++) {
            t[i] = k.spawn(TaskSpec.kthread("hog" + i).withNice(nices[i]), () -> {
                while (k.now() < WINDOW_NS) {
                    k.work(1_000_000);
                }
            });
        }
        k.run();
        long total = t[0].sumExecRuntime() + t[1].sumExecRuntime();
        return new double[] {(double) t[0].sumExecRuntime() / total, (double) t[1].sumExecRuntime() / total};
    }

    @Test
    void twoNiceZeroHogsEachGetHalfACpu() {
        double[] s = shares(0, 0);
        assertThat(s[0]).isCloseTo(0.5, within(0.01));
        assertThat(s[1]).isCloseTo(0.5, within(0.01));
    }

    @Test
    void niceZeroAgainstNiceNineteenSharesByTheWeightTable() {
        double[] s = shares(0, 19);
        double expected = 15.0 / (1024 + 15);
        assertThat(s[1]).isCloseTo(expected, within(expected * 0.05));
    }

    @Test
    void tasksNeverRunOutsideTheirMask() {
        Kernel k = Backends.sim(8);
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        CpuMask[] masks = {CpuMask.of(1), CpuMask.range(2, 4), CpuMask.of(0, 7), CpuMask.range(4, 8)};
        for (int i = 0; i < 16; i++) {
            CpuMask m = masks[i % masks.length];
            k.spawn(TaskSpec.kthread("t" + i).withAffinity(m), () -> {
                for (int j = 0; j < 200; j++) {
                    k.work(50_000 + j * 100L);
                    int cpu = k.current().cpu();
                    if (!m.contains(cpu)) {
                        violations.add(k.current().name() + " on " + cpu);
                    }
                    if (j % 17 == 0) {
                        k.sleep(10_000);
                    }
                }
            });
        }
        k.run();
        assertThat(violations).isEmpty();
    }

    @Test
    void affinityChangeMigratesTheRunningTask() {
        Kernel k = Backends.sim(4);
        List<Integer> cpus = new ArrayList<>();
        k.spawn(TaskSpec.kthread("mover").withAffinity(CpuMask.of(0)), () -> {
            k.work(1_000);
            cpus.add(k.current().cpu());
            k.setAffinity(k.current(), CpuMask.of(3));
            k.work(1_000);
            cpus.add(k.current().cpu());
        });
        k.run();
        assertThat(cpus).containsExactly(0, 3);
    }

    @Test
    void idleCpusPullWaitingTasks() {
        Kernel k = Backends.sim(4);
        for (int i = 0; i < 8; i++) {
            k.spawn(TaskSpec.kthread("t" + i), () -> k.work(10_000_000));
        }
        RunStats s = k.run();
        // 8 x 10 ms on 4 CPUs: 20 ms when the load spreads over every CPU.
        assertThat(s.endTimeNs()).isEqualTo(20_000_000L);
    }
}
