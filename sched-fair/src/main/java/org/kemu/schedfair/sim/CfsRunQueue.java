package org.kemu.schedfair.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import org.kemu.schedfair.Nice;
import org.kemu.schedfair.SchedPolicy;

/**
 * CFS as before Linux 6.6 (reference sched-fair.md sections 2.1 and 2.3, S2-old): the task with the
 * smallest vruntime runs; a task's slice is its weight's share of the scheduling period
 * (sched_latency 6 ms, stretched to nr_running x min_granularity 0.75 ms beyond sched_nr_latency 8);
 * waking sleepers are placed at most half a latency behind min_vruntime (GENTLE_FAIR_SLEEPERS), new
 * tasks one vslice ahead (START_DEBIT); a woken task preempts when it is more than the weighted
 * wake-up granularity (1 ms) behind. Slices end exactly (as with HRTICK) rather than at the next tick.
 */
final class CfsRunQueue implements FairRunQueue {
    static final long SCHED_LATENCY_NS = 6_000_000L;
    static final long MIN_GRANULARITY_NS = 750_000L;
    static final long WAKEUP_GRANULARITY_NS = 1_000_000L;
    static final int SCHED_NR_LATENCY = 8;

    private final TreeSet<SimTask> tree = new TreeSet<>(
            Comparator.<SimTask>comparingLong(t -> t.vruntime).thenComparingLong(t -> t.id));
    private long minVruntime;
    private long queuedWeight;
    private SimTask curr;

    @Override
    public void enqueue(SimTask t, boolean wakeup, boolean initial) {
        if (initial) {
            // START_DEBIT: a new task starts one virtual slice after min_vruntime.
            t.vruntime = minVruntime + calcDeltaFair(sliceOf(t, tree.size() + 1 + (curr != null ? 1 : 0),
                    queuedWeight + t.weight + (curr != null ? curr.weight : 0)), t.weight);
        } else if (wakeup) {
            // place_entity: sleeper credit of half a latency, never moving a task backwards.
            t.vruntime = Math.max(t.vruntime, minVruntime - SCHED_LATENCY_NS / 2);
        }
        insert(t);
    }

    private void insert(SimTask t) {
        tree.add(t);
        t.onRq = true;
        queuedWeight += t.weight;
    }

    @Override
    public void dequeue(SimTask t) {
        if (t.onRq && tree.remove(t)) {
            queuedWeight -= t.weight;
        }
        t.onRq = false;
        if (curr == t) {
            curr = null;
        }
        updateMinVruntime();
    }

    @Override
    public SimTask pickNext() {
        SimTask t = tree.pollFirst();
        if (t != null) {
            queuedWeight -= t.weight;
            t.onRq = false;
        }
        curr = t;
        return t;
    }

    @Override
    public void putPrev(SimTask t) {
        if (curr == t) {
            curr = null;
        }
        insert(t);
    }

    @Override
    public void setNext(SimTask t) {
        curr = t;
        t.sliceStartExec = t.sumExec;
    }

    @Override
    public void updateCurr(SimTask c, long delta) {
        c.vruntime += calcDeltaFair(delta, c.weight);
        updateMinVruntime();
    }

    private void updateMinVruntime() {
        long v = minVruntime;
        SimTask left = tree.isEmpty() ? null : tree.first();
        long candidate;
        if (curr != null && left != null) {
            candidate = Math.min(curr.vruntime, left.vruntime);
        } else if (curr != null) {
            candidate = curr.vruntime;
        } else if (left != null) {
            candidate = left.vruntime;
        } else {
            return;
        }
        minVruntime = Math.max(v, candidate);
    }

    @Override
    public long sliceEnd(SimTask c, int nrRunning) {
        if (tree.isEmpty()) {
            return Long.MAX_VALUE;
        }
        long ideal = sliceOf(c, nrRunning, queuedWeight + c.weight);
        long used = c.sumExec - c.sliceStartExec;
        return c.execAt + Math.max(0, ideal - used);
    }

    /** sched_slice(): the period share of a task of weight t.weight on a queue of total weight. */
    private static long sliceOf(SimTask t, int nrRunning, long totalWeight) {
        long period = nrRunning > SCHED_NR_LATENCY ? nrRunning * MIN_GRANULARITY_NS : SCHED_LATENCY_NS;
        return Math.max(1, period * t.weight / Math.max(1, totalWeight));
    }

    @Override
    public boolean wakeupPreempt(SimTask c, SimTask woken) {
        if (woken.policy == SchedPolicy.IDLE && c.policy != SchedPolicy.IDLE) {
            return false;
        }
        if (c.policy == SchedPolicy.IDLE && woken.policy != SchedPolicy.IDLE) {
            return true;
        }
        if (woken.policy == SchedPolicy.BATCH) {
            return false;
        }
        long gran = calcDeltaFair(WAKEUP_GRANULARITY_NS, woken.weight);
        return c.vruntime - woken.vruntime > gran;
    }

    @Override
    public void reweight(SimTask t, long newWeight, boolean queued) {
        if (queued && t.onRq) {
            tree.remove(t);
            queuedWeight -= t.weight;
            t.weight = newWeight;
            insert(t);
        } else {
            t.weight = newWeight;
        }
    }

    @Override
    public void migrateOut(SimTask t) {
        t.vruntime -= minVruntime;
    }

    @Override
    public void migrateIn(SimTask t) {
        t.vruntime += minVruntime;
    }

    @Override
    public int nrQueued() {
        return tree.size();
    }

    @Override
    public List<SimTask> queued() {
        return new ArrayList<>(tree);
    }

    /** calc_delta_fair: delta scaled by NICE_0_LOAD / weight. */
    static long calcDeltaFair(long delta, long weight) {
        if (weight == Nice.NICE_0_LOAD) {
            return delta;
        }
        return delta < (Long.MAX_VALUE >> 11)
                ? delta * Nice.NICE_0_LOAD / weight
                : (long) ((double) delta * Nice.NICE_0_LOAD / weight);
    }
}
