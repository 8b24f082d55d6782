package org.kemu.schedfair.sim;

import java.util.Comparator;

/**
 * CFS as before Linux 6.6 (docs/kernel/sched-fair.md sections 2.1 and 2.3, source S2-old): the entity
 * with the smallest vruntime runs; curr's slice at a level is its weight's share of the period
 * (sched_latency 6 ms, or nr_running x min_granularity 0.75 ms beyond sched_nr_latency 8); waking
 * sleepers are placed at most half a latency behind min_vruntime (GENTLE_FAIR_SLEEPERS), new tasks
 * one vslice after it (START_DEBIT); a woken entity preempts when curr is more than the weighted
 * wake-up granularity (1 ms) ahead. Slices end exactly (as with HRTICK), not at the next tick, and
 * each level of the group hierarchy checks its own share (check_preempt_tick per entity_tick).
 */
final class CfsRule implements PickRule {
    static final long SCHED_LATENCY_NS = 6_000_000L;
    static final long MIN_GRANULARITY_NS = 750_000L;
    static final long WAKEUP_GRANULARITY_NS = 1_000_000L;
    static final int SCHED_NR_LATENCY = 8;

    private static final Comparator<SchedEntity> ORDER =
            Comparator.<SchedEntity>comparingLong(e -> e.vruntime).thenComparingLong(e -> e.key);

    @Override
    public Comparator<SchedEntity> order() {
        return ORDER;
    }

    private static long period(int nrRunning) {
        return nrRunning > SCHED_NR_LATENCY ? nrRunning * MIN_GRANULARITY_NS : SCHED_LATENCY_NS;
    }

    /** sched_slice at one level: the period share of {@code se} on a queue of {@code load}. */
    private static long slice(int nrRunning, long load, long weight) {
        return Math.max(1, period(nrRunning) * weight / Math.max(1, load));
    }

    @Override
    public void place(CfsRq rq, SchedEntity se, boolean wakeup, boolean initial) {
        if (initial) {
            long load = rq.load + se.weight;
            se.vruntime = rq.minVruntime
                    + PickRule.calcDeltaFair(slice(rq.nrRunning + 1, load, se.weight), se.weight);
        } else if (wakeup) {
            se.vruntime = Math.max(se.vruntime, rq.minVruntime - SCHED_LATENCY_NS / 2);
        }
    }

    @Override
    public void onDequeue(CfsRq rq, SchedEntity se, boolean sleep) {
        // CFS keeps absolute vruntime across sleep; migration is normalised by the caller
    }

    /** vruntime is relative to the queue the entity left. */
    @Override
    public void migrate(SchedEntity se, CfsRq from, CfsRq to) {
        se.vruntime = se.vruntime - from.minVruntime + to.minVruntime;
    }

    @Override
    public SchedEntity pick(CfsRq rq) {
        return rq.tree.isEmpty() ? null : rq.tree.first();
    }

    @Override
    public void setNext(CfsRq rq, SchedEntity se) {
        se.sliceStartExec = se.sumExec;
    }

    @Override
    public void updateCurr(CfsRq rq, SchedEntity curr, long delta) {
        curr.vruntime += PickRule.calcDeltaFair(delta, curr.weight);
    }

    @Override
    public long reschedInNs(CfsRq rq, SchedEntity curr) {
        if (rq.nrRunning <= 1) {
            return Long.MAX_VALUE;
        }
        long ideal = slice(rq.nrRunning, rq.load, curr.weight);
        return Math.max(0, ideal - (curr.sumExec - curr.sliceStartExec));
    }

    @Override
    public boolean wakeupPreempt(CfsRq rq, SchedEntity curr, SchedEntity se) {
        long gran = PickRule.calcDeltaFair(WAKEUP_GRANULARITY_NS, se.weight);
        return curr.vruntime - se.vruntime > gran;
    }
}
