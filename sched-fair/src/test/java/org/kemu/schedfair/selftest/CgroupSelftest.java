package org.kemu.schedfair.selftest;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.kemu.schedfair.CpuCgroup;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.KernelConfig;
import org.kemu.schedfair.Kernels;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.MemoryBandwidth;
import org.kemu.schedfair.PickPolicy;
import org.kemu.schedfair.RuntimeCosts;
import org.kemu.schedfair.Task;
import org.kemu.schedfair.TaskSpec;
import org.kemu.schedfair.Topology;

/**
 * What the kernel's cgroup selftests (tools/testing/selftests/cgroup/test_cpu.c, cgroup_util.h)
 * share, over kemu's simulated backend: the machines and pick rules they run on, the tolerance
 * check {@code values_close}, and {@code hog_cpus_timed}, the process that burns CPUs for a time.
 */
final class CgroupSelftest {
    static final long MS = 1_000_000L;
    static final long SEC = 1_000 * MS;
    static final long USEC_PER_SEC = 1_000_000L;

    /**
     * How much CPU work a hog thread does between two looks at its stop flag. A real hog spins until
     * its process exits; a simulated one must be told in pieces. 1 ms is below every tolerance of
     * the tests (1% of 2 s is 20 ms) and keeps the event count moderate.
     */
    static final long HOG_CHUNK_NS = MS;

    private CgroupSelftest() {
    }

    /** The published intel-8167m shape: 2 sockets x 26 cores x 2 SMT threads = 104 CPUs, free runtime costs. */
    static MachineSpec intel8167mShape() {
        return new MachineSpec("intel-8167m-shape", new Topology(2, 26, 2, 384L << 30),
                new MemoryBandwidth(100e9, 12e9), RuntimeCosts.FREE);
    }

    /** The machines of issue 13: 2, 4, 8, 16 CPUs and the intel-8167m shape. */
    static List<MachineSpec> machines() {
        return List.of(MachineSpec.simple(2), MachineSpec.simple(4), MachineSpec.simple(8),
                MachineSpec.simple(16), intel8167mShape());
    }

    /** Every machine under both pick rules. */
    static Stream<Arguments> machinesAndRules() {
        List<Arguments> out = new ArrayList<>();
        for (MachineSpec m : machines()) {
            for (PickPolicy p : PickPolicy.values()) {
                out.add(Arguments.of(m.name(), p));
            }
        }
        return out.stream();
    }

    static MachineSpec machine(String name) {
        return machines().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }

    static Kernel kernel(String machine, PickPolicy rule) {
        return Kernels.simulated(KernelConfig.of(machine(machine), 13).withPickPolicy(rule));
    }

    /**
     * cgroup_util.h values_close: true when a and b differ by at most err% of their sum, with C's
     * integer division ({@code (a + b) / 100 * err}).
     */
    static boolean valuesClose(long a, long b, int err) {
        return Math.abs(a - b) <= (a + b) / 100 * err;
    }

    /** enum hog_clock_type. */
    enum HogClock {
        /** CPU_HOG_CLOCK_PROCESS: stop when the process has used the time (CLOCK_PROCESS_CPUTIME_ID). */
        PROCESS,
        /** CPU_HOG_CLOCK_WALL: stop when the time has passed (CLOCK_MONOTONIC). */
        WALL
    }

    private static long nextTgid = 1000;

    /**
     * cg_run_nowait(cgroup, hog_cpus_timed, param): a process forked into {@code group} whose main
     * thread creates {@code nprocs} spinning threads and nanosleeps until the process has run
     * (PROCESS) or existed (WALL) for {@code durationNs}; then the process exits and its threads
     * with it. Threads inherit the process's cgroup (sched_cgroup_fork), so each is attached before
     * it first runs. {@code nice} is the process's nice (test_cpucg_nice's nice(1)).
     */
    static Task hogCpusTimed(Kernel k, CpuCgroup group, int nprocs, long durationNs, HogClock clock, int nice) {
        long tgid = nextTgid++;
        boolean[] exit = new boolean[1];
        return k.spawn(TaskSpec.user("hog_cpus_timed" + tgid, tgid).withNice(nice), () -> {
            Task main = k.current();
            long start = k.now();
            List<Task> threads = new ArrayList<>();
            for (int i = 0; i < nprocs; i++) {
                threads.add(k.spawn(TaskSpec.user("hog" + tgid + "." + i, tgid).withNice(nice), () -> {
                    while (!exit[0]) {
                        k.work(HOG_CHUNK_NS);
                    }
                }, t -> k.cpuController().attach(t, group)));
            }
            long remaining = durationNs;
            while (remaining > 0) {
                k.sleep(remaining);
                long total;
                if (clock == HogClock.PROCESS) {
                    total = main.sumExecRuntime();
                    for (Task t : threads) {
                        total += t.sumExecRuntime();
                    }
                } else {
                    total = k.now() - start;
                }
                remaining = durationNs - total;
            }
            exit[0] = true;
        }, t -> k.cpuController().attach(t, group));
    }

    static Task hogCpusTimed(Kernel k, CpuCgroup group, int nprocs, long durationNs, HogClock clock) {
        return hogCpusTimed(k, group, nprocs, durationNs, clock, 0);
    }
}
