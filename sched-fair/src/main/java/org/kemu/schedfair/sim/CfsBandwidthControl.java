package org.kemu.schedfair.sim;

import java.util.ArrayList;
import org.kemu.schedfair.TraceEvent;
import org.kemu.schedfair.Tracer;
import org.kemu.schedfair.internal.HrTimer;
import org.kemu.schedfair.internal.KernelBase;

/**
 * CFS bandwidth control, fair.c's bandwidth section (docs/kernel/sched-fair.md section 1), over the
 * state in each group's {@link CfsBandwidth}. Every level's queue with a limit is charged the same
 * execution time; when its local runtime runs out it asks the group's global pool for a 5 ms
 * slice, and if the pool is empty the queue is throttled at the next put_prev (exactly when the
 * runtime runs out: the engine schedules an event then, rather than waiting for a tick). What
 * throttling a queue does to its tasks is the {@link Throttling} model's. The period timer refills
 * the pool on a grid with a seeded random phase, and distributes runtime to throttled queues in
 * order; slack above 1 ms is returned when a queue empties, with the 5 ms slack timer and its
 * 7 ms / 2 ms guards. A running task notices that its queue ran out only at the next tick (the
 * engine plans its events on the tick grid, HRTICK being off), so a group can overrun its quota by
 * up to a tick per CPU; the overrun is repaid from the next grant. The kernel version selects the
 * period timer's phase and whether refills count burst statistics (docs/kernel-versions.md).
 */
record CfsBandwidthControl(SchedCore core, KernelBase kernel, FairClass fair, int nrCpus) {

    /** __assign_cfs_rq_runtime: tops the local runtime up to {@code target} from the pool. */
    boolean assignRuntime(CfsRq rq, long target) {
        CfsBandwidth b = rq.tg.bw;
        long minAmount = target - rq.runtimeRemaining;
        long amount;
        if (!b.limited()) {
            amount = minAmount;
        } else {
            startPeriodTimer(b);
            amount = 0;
            if (b.runtime > 0) {
                amount = Math.min(b.runtime, minAmount);
                b.runtime -= amount;
                b.idle = false;
            }
        }
        rq.runtimeRemaining += amount;
        return rq.runtimeRemaining > 0;
    }

    /** throttle_cfs_rq; returns true when the queue is now throttled. */
    boolean throttle(CfsRq rq) {
        if (assignRuntime(rq, 1)) {
            return false;
        }
        CfsBandwidth b = rq.tg.bw;
        b.throttledList.add(rq);
        rq.throttled = true;
        fair.throttling.throttle(rq);
        return true;
    }

    /** unthrottle_cfs_rq. */
    void unthrottle(CfsRq rq) {
        int cpu = rq.cpu;
        core.accountCpu(cpu);
        CfsBandwidth b = rq.tg.bw;
        rq.throttled = false;
        b.throttledList.remove(rq);
        if (rq.throttledClock >= 0) {
            b.throttledTimeNs += core.now() - rq.throttledClock;
            if (kernel.tracer().enabled()) {
                kernel.tracer().emit(new TraceEvent.Throttled(rq.tg.path, cpu, rq.throttledClock, core.now()));
            }
            rq.throttledClock = -1;
        }
        fair.throttling.unthrottle(rq);
        core.cpuChanged(cpu);
    }

    /** __return_cfs_rq_runtime: a queue that went empty gives back all but 1 ms. */
    void returnRuntime(CfsRq rq) {
        if (!rq.runtimeEnabled) {
            return;
        }
        long slack = rq.runtimeRemaining - CfsBandwidth.MIN_CFS_RQ_RUNTIME_NS;
        if (slack <= 0) {
            return;
        }
        CfsBandwidth b = rq.tg.bw;
        if (b.limited()) {
            b.runtime += slack;
            if (b.runtime > CfsBandwidth.SLICE_NS && !b.throttledList.isEmpty()) {
                startSlackTimer(b);
            }
        }
        rq.runtimeRemaining -= slack;
    }

    private boolean refreshWithin(CfsBandwidth b, long minNs) {
        if (b.periodTimer == null || !b.periodTimer.isArmed()) {
            return true;
        }
        return b.periodTimer.expires() - core.now() < minNs;
    }

    private void startSlackTimer(CfsBandwidth b) {
        if (refreshWithin(b, CfsBandwidth.SLACK_PERIOD_NS + CfsBandwidth.MIN_BANDWIDTH_EXPIRATION_NS)) {
            return;
        }
        if (b.slackTimer == null) {
            b.slackTimer = new HrTimer(kernel, "cfs_slack:" + b.tg.path, () -> slackTimerFired(b));
        }
        if (!b.slackTimer.isArmed()) {
            b.slackTimer.start(core.now() + CfsBandwidth.SLACK_PERIOD_NS);
        }
    }

    private void slackTimerFired(CfsBandwidth b) {
        if (refreshWithin(b, CfsBandwidth.MIN_BANDWIDTH_EXPIRATION_NS)) {
            return;
        }
        if (b.runtime > CfsBandwidth.SLICE_NS) {
            distribute(b);
        }
    }

    /**
     * start_cfs_bandwidth: nothing if the period timer is active; else hrtimer_forward_now moves its
     * expiry by whole periods to the first point after now, and the timer starts there.
     */
    void startPeriodTimer(CfsBandwidth b) {
        if (b.periodActive) {
            return;
        }
        b.periodActive = true;
        if (b.expires < 0) {
            // init_cfs_bandwidth: expiry 0 in 5.14; from v6.3 "Add a random offset so that timers
            // interleave", get_random_u32_below(period) of the default period the group was made with
            b.expires = fair.version.randomPeriodPhase()
                    ? Math.floorMod(kernel.random("cfs_bandwidth:" + b.tg.path).nextLong(), CfsBandwidth.DEFAULT_PERIOD_NS)
                    : 0;
        }
        if (b.periodTimer == null) {
            b.periodTimer = new HrTimer(kernel, "cfs_period:" + b.tg.path, () -> periodTimerFired(b));
        }
        long now = core.now();
        if (b.expires <= now) {
            b.expires += (Math.floorDiv(now - b.expires, b.period) + 1) * b.period;
        }
        b.periodTimer.start(b.expires);
    }

    /** sched_cfs_period_timer / do_sched_cfs_period_timer (docs/kernel/sched-fair.md section 1.4). */
    private void periodTimerFired(CfsBandwidth b) {
        long expired = core.now();
        if (!b.limited()) {
            b.periodActive = false;
            return;
        }
        boolean throttled = !b.throttledList.isEmpty();
        b.nrPeriods++;
        refill(b);
        if (b.idle && !throttled) {
            b.periodActive = false;
            return;
        }
        if (!throttled) {
            b.idle = true;
        } else {
            b.nrThrottled++;
            while (!b.throttledList.isEmpty() && b.runtime > 0) {
                distribute(b);
            }
            b.idle = false;
        }
        b.expires = expired + b.period;
        b.periodTimer.start(b.expires);
    }

    /**
     * __refill_cfs_bandwidth_runtime, with the remote-charging debt of patch 15 paid first. The
     * burst statistics (runtime_snap, nr_burst, burst_time) exist from v5.16 only.
     */
    void refill(CfsBandwidth b) {
        if (!b.limited()) {
            return;
        }
        long payment = Math.min(b.quota, b.debt);
        b.debt -= payment;
        b.runtime += b.quota - payment;
        boolean stats = fair.version.burstStatistics();
        if (stats && b.runtimeSnap - b.runtime > 0) {
            b.burstTimeNs += b.runtimeSnap - b.runtime;
            b.nrBursts++;
        }
        b.runtime = Math.min(b.runtime, b.quota + b.burst);
        if (stats) {
            b.runtimeSnap = b.runtime;
        }
    }

    /** distribute_cfs_runtime: just enough runtime to each throttled queue, in order. */
    private void distribute(CfsBandwidth b) {
        for (CfsRq rq : new ArrayList<>(b.throttledList)) {
            if (b.runtime <= 0) {
                break;
            }
            long amount = Math.min(-rq.runtimeRemaining + 1, b.runtime);
            b.runtime -= amount;
            rq.runtimeRemaining += amount;
            if (rq.runtimeRemaining > 0) {
                unthrottle(rq);
            }
        }
    }

    /**
     * tg_set_cfs_bandwidth (kernel/sched/core.c, v5.14; unchanged in this respect through v6.18):
     * the new limits, then __refill_cfs_bandwidth_runtime (one quota added to what is left in the
     * pool, capped at quota + burst), then start_cfs_bandwidth, which leaves an active period timer
     * where it is (no re-phase; the next expiry refills and uses the new period from there); every
     * CPU's queue is reset (runtime_remaining 0) and unthrottled. Patch 15 forgives any
     * remote-charging debt here.
     */
    void setBandwidth(TaskGroup g, long quota, long period, long burst) {
        CfsBandwidth b = g.bw;
        for (int c = 0; c < nrCpus; c++) {
            core.accountCpu(c);
        }
        b.period = period;
        b.quota = quota;
        b.burst = burst;
        b.debt = 0;
        refill(b);
        if (b.limited()) {
            startPeriodTimer(b);
        }
        for (int c = 0; c < nrCpus; c++) {
            CfsRq rq = g.cfsRq[c];
            rq.runtimeEnabled = b.limited();
            rq.runtimeRemaining = 0;
            if (rq.throttled) {
                unthrottle(rq);
            }
            core.cpuChanged(c);
        }
    }

    /** incur_cfs_debt of patch 15: every limited ancestor is charged the whole debt. */
    void incurDebt(TaskGroup g, int cpu, long debt) {
        for (TaskGroup t = g; t != null && !t.isRoot(); t = t.parent) {
            if (!t.cfsRq[cpu].runtimeEnabled) {
                continue;
            }
            CfsBandwidth b = t.bw;
            long payment = Math.min(Math.max(0, b.runtime), debt);
            b.runtime -= payment;
            b.debt += debt - payment;
        }
        // patch 16: the charged time shows as usage and system time of the target group
        for (TaskGroup t = g; t != null && !t.isRoot(); t = t.parent) {
            t.usageNs += debt;
            t.systemNs += debt;
        }
    }
}
