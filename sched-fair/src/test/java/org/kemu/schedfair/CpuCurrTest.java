package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code cpu_curr(cpu)} (kernel/sched/sched.h: {@code cpu_rq(cpu)->curr}) and the walk over busy
 * CPUs that stands in for {@code for_each_cpu(cpu, mm_cpumask(mm))}: a CPU's current task is the one
 * it runs now, whatever its kind, and an idle CPU has none.
 */
class CpuCurrTest {
    private static final long MS = 1_000_000;

    /** Every CPU's current task, by walking {@link Kernel#nextBusyCpu} (CPUs it skips must be idle). */
    private static Map<Integer, String> busy(Kernel k) {
        Map<Integer, String> seen = new java.util.TreeMap<>();
        int last = -1;
        for (int c = k.nextBusyCpu(0); c >= 0; c = k.nextBusyCpu(c + 1)) {
            assertThat(c).isGreaterThan(last);
            for (int idle = last + 1; idle < c; idle++) {
                assertThat(k.cpuCurr(idle)).as("cpu %d skipped by the walk", idle).isNull();
            }
            Task t = k.cpuCurr(c);
            assertThat(t).as("cpu %d returned by the walk", c).isNotNull();
            seen.put(c, t.name());
            last = c;
        }
        for (int idle = last + 1; idle < k.topology().nrCpus(); idle++) {
            assertThat(k.cpuCurr(idle)).isNull();
        }
        return seen;
    }

    /**
     * A user task and a kthread, each on its own CPU of four: while both run, each is its CPU's
     * current task and the other two CPUs are idle; once the kthread sleeps on a completion its CPU is
     * idle again (schedule() picks the idle task; the simulated backend runs nothing there).
     */
    @ParameterizedTest
    @MethodSource("org.kemu.schedfair.Backends#both")
    void eachCpuReportsTheTaskItRunsNow(Backend backend) {
        Kernel k = Backends.kernel(backend, 4);
        Completion started = k.completion("started");
        Completion go = k.completion("go");
        List<Map<Integer, String>> snapshots = new ArrayList<>();
        Map<String, Integer> cpuOf = new ConcurrentHashMap<>();
        k.spawn(TaskSpec.kthread("kworker"), () -> {
            cpuOf.put("kworker", k.current().cpu());
            started.complete();
            k.work(10 * MS);
            go.waitForCompletion();
        });
        k.spawn(TaskSpec.user("qemu", 1), () -> {
            started.waitForCompletion();
            cpuOf.put("qemu", k.current().cpu());
            snapshots.add(busy(k)); // the kworker is in its 10 ms of work
            k.sleep(20 * MS);
            snapshots.add(busy(k)); // the kworker waits for go
            go.complete();
        });
        k.run();
        if (backend == Backend.SIMULATED) {
            int q = cpuOf.get("qemu");
            int w = cpuOf.get("kworker");
            assertThat(q).isNotEqualTo(w);
            assertThat(snapshots.get(0)).isEqualTo(Map.of(q, "qemu", w, "kworker"));
            assertThat(snapshots.get(1)).isEqualTo(Map.of(q, "qemu"));
        } else {
            // hosted tasks run on the host's CPUs: none is on an emulated CPU
            assertThat(cpuOf).containsEntry("qemu", -1).containsEntry("kworker", -1);
            assertThat(snapshots).containsExactly(Map.of(), Map.of());
        }
        // after the run every CPU is idle
        assertThat(busy(k)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("org.kemu.schedfair.Backends#both")
    void aCpuTheMachineDoesNotHaveIsEinval(Backend backend) {
        Kernel k = Backends.kernel(backend, 4);
        for (int bad : new int[] {-1, 4}) {
            assertThatThrownBy(() -> k.cpuCurr(bad)).isInstanceOfSatisfying(KernelException.class, e -> {
                assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                assertThat(e.check()).isEqualTo("cpu_curr:cpu");
            });
        }
        assertThat(k.nextBusyCpu(4)).isEqualTo(-1);
        assertThat(k.nextBusyCpu(1000)).isEqualTo(-1);
    }
}
