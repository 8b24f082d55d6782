package org.kemu.schedfair;

/**
 * The fields of cgroup v2 {@code cpu.stat} (docs/kernel/sched-fair.md section 1.7): usage, user and
 * system time of every task in the subtree, and the bandwidth statistics of this group's own
 * {@code cfs_bandwidth}.
 */
public record CpuStat(long usageUsec, long userUsec, long systemUsec, long nrPeriods, long nrThrottled,
        long throttledUsec, long nrBursts, long burstUsec) {
}
