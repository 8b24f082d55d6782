package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * EEVDF's latency rule (docs/kernel/sched-fair.md section 2.3): a task woken with positive lag is
 * placed before the average, is eligible with an early deadline, and preempts a running task that
 * has had more than its share.
 */
class EevdfLatencyTest {
    private static final long MS = 1_000_000L;

    /** Wake-up latency of a task that slept after using {@code usedBeforeSleep} of CPU. */
    private static long wakeupLatency(long usedBeforeSleepNs) {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(1), 1).withPickPolicy(PickPolicy.EEVDF));
        SyntheticLoads.cpuHog(k, TaskSpec.kthread("hog"), 500 * MS);
        long[] latency = new long[1];
        k.spawn(TaskSpec.kthread("sleeper"), () -> {
            k.work(usedBeforeSleepNs);
            k.sleep(20 * MS);
            long woke = k.now();
            k.work(1);
            // the 1 ns of work ends right when the task first gets the CPU after waking
            latency[0] = k.now() - woke - 1;
        });
        k.run();
        return latency[0];
    }

    @Test
    void aWakingTaskWithPositiveLagRunsFirst() {
        // a short burst of work then sleep: it used less than its share, so its lag is positive
        assertThat(wakeupLatency(100_000)).isZero();
    }

    /** The CPU slices (runs between context switches) of two CPU hogs sharing one CPU. */
    static List<TraceEvent.CpuSlice> twoHogsOnOneCpu(PickPolicy p) {
        Kernel k = Kernels.simulated(KernelConfig.of(MachineSpec.simple(1), 1).withPickPolicy(p));
        List<TraceEvent.CpuSlice> slices = new ArrayList<>();
        k.tracer().setSink(e -> {
            if (e instanceof TraceEvent.CpuSlice s) {
                slices.add(s);
            }
        });
        SyntheticLoads.cpuHog(k, TaskSpec.kthread("a"), 30 * MS);
        SyntheticLoads.cpuHog(k, TaskSpec.kthread("b"), 30 * MS);
        k.run();
        return slices;
    }

    /**
     * EEVDF serves requests of one base slice (0.75 ms on one CPU): after a pick the task runs to its
     * virtual deadline vd = v + slice/w, gets a new request, and the other task, whose deadline is
     * now earlier, is picked (update_deadline, pick_eevdf). With HRTICK off the request's end is
     * noticed at the next tick, so each run lasts until the first 1 ms tick after 0.75 ms: at most
     * one tick. CFS instead gives each of two tasks half of sched_latency (3 ms) per run, so this
     * test fails under PickPolicy.CFS.
     */
    @Test
    void runsLastOneBaseSliceAndAlternateByDeadline() {
        List<TraceEvent.CpuSlice> slices = twoHogsOnOneCpu(PickPolicy.EEVDF);
        // drop the ends, where one hog runs alone
        List<TraceEvent.CpuSlice> shared = slices.subList(1, slices.size() - 2);
        assertThat(shared).hasSizeGreaterThan(40);
        for (TraceEvent.CpuSlice s : shared) {
            assertThat(s.end() - s.start()).as("slice %s", s).isLessThanOrEqualTo(1_000_000L);
        }
        for (int i = 1; i < shared.size(); i++) {
            assertThat(shared.get(i).taskId()).as("alternation at %s", shared.get(i))
                    .isNotEqualTo(shared.get(i - 1).taskId());
        }
    }
}
