package org.kemu.schedfair.sim;

import java.util.Comparator;

/**
 * CFS as before Linux 6.6 (docs/kernel/sched-fair.md sections 2.1 and 2.3, source S2-old): the entity
 * with the smallest vruntime runs; curr's slice at a level is its weight's share of the period
 * (sched_latency, or nr_running x min_granularity beyond sched_nr_latency 8); waking sleepers are
 * placed at most half a latency behind min_vruntime (GENTLE_FAIR_SLEEPERS), new tasks one vslice
 * after it (START_DEBIT); a woken entity preempts when curr is more than the weighted wake-up
 * granularity ahead. The three tunables are the base values 6 / 0.75 / 1 ms scaled as 5.14 boots
 * them (see {@link #tunableScale}): 24 / 3 / 4 ms on 8 or more CPUs. A slice runs out here; the
 * task is switched at the next tick (SchedCore, HRTICK off). Each level of the group hierarchy
 * checks its own share (check_preempt_tick per entity_tick).
 */
final class CfsRule implements PickRule {
    /** Unscaled sysctl_sched_latency, sysctl_sched_min_granularity, sysctl_sched_wakeup_granularity. */
    static final long BASE_LATENCY_NS = 6_000_000L;
    static final long BASE_MIN_GRANULARITY_NS = 750_000L;
    static final long BASE_WAKEUP_GRANULARITY_NS = 1_000_000L;
    /** sched_nr_latency = latency / min_granularity, 8 at any scale. */
    static final int SCHED_NR_LATENCY = 8;

    final long latencyNs;
    final long minGranularityNs;
    final long wakeupGranularityNs;

    CfsRule(int nrCpus) {
        long f = tunableScale(nrCpus);
        this.latencyNs = BASE_LATENCY_NS * f;
        this.minGranularityNs = BASE_MIN_GRANULARITY_NS * f;
        this.wakeupGranularityNs = BASE_WAKEUP_GRANULARITY_NS * f;
    }

    /**
     * get_update_sysctl_factor under SCHED_TUNABLESCALING_LOG, the default (kernel/sched/fair.c,
     * v5.14; sched_init_granularity -> update_sysctl at boot): 1 + ilog2(min(online CPUs, 8)). EEVDF's
     * base slice (v6.6) keeps the same factor.
     */
    static int tunableScale(int nrCpus) {
        int n = Math.max(1, Math.min(nrCpus, 8));
        return 1 + (31 - Integer.numberOfLeadingZeros(n));
    }

    @Override
    public Comparator<SchedEntity> order() {
        return EntityOrder.BY_VRUNTIME;
    }

    private long period(int nrRunning) {
        return nrRunning > SCHED_NR_LATENCY ? nrRunning * minGranularityNs : latencyNs;
    }

    /** sched_slice at one level: the period share of {@code se} on a queue of {@code load}. */
    private long slice(int nrRunning, long load, long weight) {
        return Math.max(1, period(nrRunning) * weight / Math.max(1, load));
    }

    @Override
    public void place(CfsRq rq, SchedEntity se, boolean wakeup, boolean initial) {
        if (initial) {
            long load = rq.load + se.weight;
            se.vruntime = rq.minVruntime
                    + PickRule.calcDeltaFair(slice(rq.nrRunning + 1, load, se.weight), se.weight);
        } else if (wakeup) {
            se.vruntime = Math.max(se.vruntime, rq.minVruntime - latencyNs / 2);
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
        long gran = PickRule.calcDeltaFair(wakeupGranularityNs, se.weight);
        return curr.vruntime - se.vruntime > gran;
    }
}
