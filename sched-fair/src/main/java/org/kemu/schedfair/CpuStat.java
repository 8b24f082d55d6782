package org.kemu.schedfair;

/**
 * The fields of cgroup v2 {@code cpu.stat} (docs/kernel/sched-fair.md section 1.7): usage, user and
 * system time of every task in the subtree, and the bandwidth statistics of this group's own
 * {@code cfs_bandwidth}.
 *
 * <p>{@code userUsec} includes {@code niceUsec}: user time of tasks with nice above 0 is booked as
 * CPUTIME_NICE, which cgroup rstat adds to both utime and ntime
 * ({@code __cgroup_account_cputime_field}). {@code nice_usec} exists in the file only from Linux
 * v6.13 (commit aefa398d93d5, "cgroup/rstat: Tracking cgroup-level niced CPU time"); 5.14's file has
 * no such line. kemu always counts it; {@link CpuCgroup#readCpuStat()} prints the line only for a
 * version that has it ({@link KernelVersion#cpuStatNiceUsec()}).
 */
public record CpuStat(long usageUsec, long userUsec, long systemUsec, long niceUsec, long nrPeriods,
        long nrThrottled, long throttledUsec, long nrBursts, long burstUsec) {
}
