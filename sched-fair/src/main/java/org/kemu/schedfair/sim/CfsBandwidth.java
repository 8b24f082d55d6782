package org.kemu.schedfair.sim;

import java.util.ArrayList;
import java.util.List;
import org.kemu.schedfair.internal.HrTimer;

/**
 * A task group's {@code struct cfs_bandwidth}: quota and period, the global runtime pool, burst,
 * the throttled list, the period and slack timers' state, the cpu.stat counters, and the remote
 * charging debt of patch 15. The logic is {@link CfsBandwidthControl}'s; this holds the state.
 */
final class CfsBandwidth {
    /** RUNTIME_INF. */
    static final long INF = -1;
    /** 5 ms, sysctl_sched_cfs_bandwidth_slice default (docs/kernel/sched-fair.md section 1.1). */
    static final long SLICE_NS = 5_000_000L;
    /** min_cfs_rq_runtime = 1 ms: a cfs_rq never returns slack below this (section 1.5). */
    static final long MIN_CFS_RQ_RUNTIME_NS = 1_000_000L;
    /** min_bandwidth_expiration = 2 ms. */
    static final long MIN_BANDWIDTH_EXPIRATION_NS = 2_000_000L;
    /** default_cfs_period(): 100 ms, the period a group is created with. */
    static final long DEFAULT_PERIOD_NS = 100_000_000L;
    /** cfs_bandwidth_slack_period = 5 ms. */
    static final long SLACK_PERIOD_NS = 5_000_000L;

    final TaskGroup tg;
    long quota = INF;
    long period = DEFAULT_PERIOD_NS;
    long burst;
    long runtime;
    long runtimeSnap;
    boolean idle;
    boolean periodActive;
    /**
     * The period timer's expiry (hrtimer node.expires), kept while the timer is inactive: the next
     * start forwards it by whole periods past now, so periods stay on the grid of the last expiry.
     * It starts at 0 (5.14's init_cfs_bandwidth), or from v6.3 at a seeded random point of the
     * default period (drawn when the timer first starts, see CfsBandwidthControl#startPeriodTimer).
     */
    long expires = -1;
    long debt;
    final List<CfsRq> throttledList = new ArrayList<>();
    HrTimer periodTimer;
    HrTimer slackTimer;

    long nrPeriods;
    long nrThrottled;
    long throttledTimeNs;
    long nrBursts;
    long burstTimeNs;

    CfsBandwidth(TaskGroup tg) {
        this.tg = tg;
    }

    boolean limited() {
        return quota != INF;
    }
}
