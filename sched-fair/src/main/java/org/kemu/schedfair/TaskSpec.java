package org.kemu.schedfair;

import java.util.Objects;

/**
 * How to create a task: its name, whether it is a kernel thread, its nice, policy, allowed CPUs
 * ({@code null} means every CPU) and the process (thread group) it belongs to, which mm-gup uses to
 * find the task's mm. Kernel threads belong to no process ({@code tgid} 0).
 */
public record TaskSpec(String name, boolean kthread, int nice, SchedPolicy policy, CpuMask affinity,
        long tgid) {

    public TaskSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(policy, "policy");
        Nice.check(nice);
        KernelException.require(affinity == null || !affinity.isEmpty(), Errno.EINVAL,
                "sched_setaffinity:empty", "task '" + name + "' has an empty affinity mask");
        KernelException.require(tgid >= 0, Errno.EINVAL, "tgid", "negative tgid");
    }

    /** A kernel thread at nice 0 allowed on every CPU. */
    public static TaskSpec kthread(String name) {
        return new TaskSpec(name, true, 0, SchedPolicy.NORMAL, null, 0);
    }

    /** A user task of process {@code tgid} at nice 0 allowed on every CPU. */
    public static TaskSpec user(String name, long tgid) {
        return new TaskSpec(name, false, 0, SchedPolicy.NORMAL, null, tgid);
    }

    public TaskSpec withNice(int n) {
        return new TaskSpec(name, kthread, n, policy, affinity, tgid);
    }

    public TaskSpec withPolicy(SchedPolicy p) {
        return new TaskSpec(name, kthread, nice, p, affinity, tgid);
    }

    public TaskSpec withAffinity(CpuMask mask) {
        return new TaskSpec(name, kthread, nice, policy, mask, tgid);
    }
}
