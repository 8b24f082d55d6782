package org.kemu.schedfair.sim;

import java.util.Comparator;

/**
 * EEVDF as from Linux 6.6 (docs/kernel/sched-fair.md section 2.3, source S2): pick the eligible entity
 * (lag >= 0, V >= v) with the earliest virtual deadline vd = v + slice/w; the base slice is
 * 0.75 ms x (1 + ilog2(min(ncpus, 8))); lag is kept across sleep (PLACE_LAG), clamped to
 * max(2 x slice, TICK_NSEC) scaled by weight, and rescaled on placement by (W + w) / W; new tasks
 * start with half a slice (PLACE_DEADLINE_INITIAL); curr runs to its deadline (RUN_TO_PARITY)
 * unless it stops being eligible when another entity arrives.
 */
final class EevdfRule implements PickRule {

    final long baseSliceNs;
    /** TICK_NSEC of the run's HZ, the floor of the lag clamp. */
    private final long tickNs;

    EevdfRule(int nrCpus, long tickNs) {
        this.baseSliceNs = 750_000L * CfsRule.tunableScale(nrCpus);
        this.tickNs = tickNs;
    }

    @Override
    public Comparator<SchedEntity> order() {
        return EntityOrder.BY_DEADLINE;
    }

    @Override
    public void place(CfsRq rq, SchedEntity se, boolean wakeup, boolean initial) {
        se.slice = baseSliceNs;
        long vslice = PickRule.calcDeltaFair(se.slice, se.weight);
        long v = rq.avgVruntime();
        long lag = 0;
        if (rq.nrRunning > 0 && !initial) {
            lag = se.vlag;
            long load = rq.avgLoad + (rq.curr != null && rq.curr.onRq ? rq.curr.weight : 0);
            if (load > 0) {
                lag = lag * (load + se.weight) / load;
            }
        }
        se.vruntime = v - lag;
        if (initial) {
            vslice /= 2;
        }
        se.deadline = se.vruntime + vslice;
    }

    @Override
    public void onDequeue(CfsRq rq, SchedEntity se, boolean sleep) {
        long lag = rq.avgVruntime() - se.vruntime;
        long limit = PickRule.calcDeltaFair(Math.max(2 * baseSliceNs, tickNs), se.weight);
        se.vlag = Math.max(-limit, Math.min(limit, lag));
    }

    /** Nothing to renormalise: the lag saved at dequeue places the entity on its new queue. */
    @Override
    public void migrate(SchedEntity se, CfsRq from, CfsRq to) {
    }

    @Override
    public SchedEntity pick(CfsRq rq) {
        for (SchedEntity se : rq.tree) {
            if (rq.eligible(se)) {
                return se;
            }
        }
        // rounding can leave nobody eligible: fall back to the smallest vruntime
        return rq.byVruntime.isEmpty() ? null : rq.byVruntime.first();
    }

    @Override
    public void setNext(CfsRq rq, SchedEntity se) {
        se.sliceStartExec = se.sumExec;
        // RUN_TO_PARITY: protect the slice until the deadline moves
        se.vlag = se.deadline;
    }

    @Override
    public void updateCurr(CfsRq rq, SchedEntity curr, long delta) {
        curr.vruntime += PickRule.calcDeltaFair(delta, curr.weight);
        if (curr.vruntime >= curr.deadline) {
            // update_deadline: a new request; the resched it asks for is reschedInNs() == 0 below
            curr.slice = baseSliceNs;
            curr.deadline = curr.vruntime + PickRule.calcDeltaFair(curr.slice, curr.weight);
            curr.sliceStartExec = Long.MIN_VALUE;
        }
    }

    @Override
    public long reschedInNs(CfsRq rq, SchedEntity curr) {
        if (rq.nrRunning <= 1) {
            return Long.MAX_VALUE;
        }
        if (curr.sliceStartExec == Long.MIN_VALUE) {
            return 0;
        }
        // A deadline that a reweight (rescale's rounding) moved onto vruntime has not been seen by
        // update_deadline, which runs only from update_curr with time to charge: the entity runs on
        // until its next update (1 ns here), which gives it a new request and asks for the resched.
        // Returning 0 instead would preempt and re-pick it forever at the same instant.
        return Math.max(1, PickRule.realNs(curr.deadline - curr.vruntime, curr.weight));
    }

    @Override
    public boolean wakeupPreempt(CfsRq rq, SchedEntity curr, SchedEntity se) {
        // check_preempt_wakeup_fair: preempt when pick_eevdf() would now choose the woken entity
        boolean currEligible = rq.eligible(curr);
        if (currEligible && curr.vlag == curr.deadline) {
            return false;
        }
        if (!rq.eligible(se)) {
            return false;
        }
        for (SchedEntity e : rq.tree) {
            if (rq.eligible(e)) {
                return e == se && (!currEligible || se.deadline < curr.deadline);
            }
        }
        return false;
    }

    @Override
    public void rescale(CfsRq rq, SchedEntity se, long newWeight) {
        // reweight_entity: keep the lag in real time and the remaining request
        long v = rq.avgVruntime();
        long lag = v - se.vruntime;
        long dl = se.deadline - se.vruntime;
        lag = lag * se.weight / newWeight;
        dl = dl * se.weight / newWeight;
        se.vruntime = v - lag;
        se.deadline = se.vruntime + dl;
    }
}
