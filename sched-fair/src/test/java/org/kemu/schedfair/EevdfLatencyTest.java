package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * EEVDF's latency rule (reference sched-fair.md section 2.3): a task woken with positive lag is
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
}
