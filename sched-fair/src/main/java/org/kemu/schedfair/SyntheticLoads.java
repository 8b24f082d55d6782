package org.kemu.schedfair;

/**
 * Loads for experiments that cost no Java code per operation: a CPU hog is one work item of the
 * whole amount (as stress-ng's cpu workers doing a fixed number of ops), and a sleeper/waker pair
 * alternates work and sleep.
 */
public final class SyntheticLoads {
    private SyntheticLoads() {
    }

    /** A task that does {@code cpuNs} of pure CPU work and exits. */
    public static Task cpuHog(Kernel k, TaskSpec spec, long cpuNs) {
        KernelException.require(cpuNs >= 0, Errno.EINVAL, "cpu_hog", "negative work");
        return k.spawn(spec, () -> k.work(cpuNs));
    }

    /**
     * A task that repeats {@code rounds} times: {@code workNs} of CPU work, then a sleep of
     * {@code sleepNs} (a periodic sleeper such as an interactive or I/O-bound thread).
     */
    public static Task sleeper(Kernel k, TaskSpec spec, long workNs, long sleepNs, int rounds) {
        KernelException.require(workNs >= 0 && sleepNs >= 0 && rounds >= 0, Errno.EINVAL, "sleeper",
                "negative work, sleep or rounds");
        return k.spawn(spec, () -> {
            for (int i = 0; i < rounds; i++) {
                k.work(workNs);
                k.sleep(sleepNs);
            }
        });
    }

    /**
     * A waker and a sleeper ping-ponging through completions for {@code rounds} rounds, each doing
     * {@code workNs} per round: the pattern of a producer handing work to a consumer.
     */
    public static Task[] wakerSleeper(Kernel k, String name, long workNs, int rounds) {
        Completion toSleeper = k.completion(name + ":to-sleeper");
        Completion toWaker = k.completion(name + ":to-waker");
        Task waker = k.spawn(TaskSpec.kthread(name + "-waker"), () -> {
            for (int i = 0; i < rounds; i++) {
                k.work(workNs);
                toSleeper.complete();
                toWaker.waitForCompletion();
            }
        });
        Task sleeper = k.spawn(TaskSpec.kthread(name + "-sleeper"), () -> {
            for (int i = 0; i < rounds; i++) {
                toSleeper.waitForCompletion();
                k.work(workNs);
                toWaker.complete();
            }
        });
        return new Task[] {waker, sleeper};
    }
}
