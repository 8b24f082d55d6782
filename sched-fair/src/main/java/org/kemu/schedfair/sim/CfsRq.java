package org.kemu.schedfair.sim;

import java.util.Comparator;
import java.util.TreeSet;

/**
 * A fair-class run queue of one task group on one CPU ({@code struct cfs_rq}), with the bandwidth
 * fields of that (group, CPU) pair. The running entity is kept out of the tree, as {@code curr}.
 */
final class CfsRq {
    final TaskGroup tg;
    final int cpu;
    final TreeSet<SchedEntity> tree;
    /** The same entities by vruntime, for min_vruntime under EEVDF's deadline order. */
    final TreeSet<SchedEntity> byVruntime = new TreeSet<>(EntityOrder.BY_VRUNTIME);
    SchedEntity curr;
    long minVruntime;
    /** Sum of weights of queued entities plus curr ({@code load.weight}); written only by {@link #addLoad}. */
    long load;
    /** Entities queued plus curr. */
    int nrRunning;
    /**
     * Tasks in this hierarchy on this CPU, runnable or running ({@code h_nr_running}); written only
     * by {@link #addHNrRunning}.
     */
    int hNrRunning;
    /** The root domain a root queue reports its changes to; null below the root. */
    RootDomain rd;
    /** EEVDF: sum over queued entities of (vruntime - minVruntime) * weight, and of weight. */
    long avgVruntimeSum;
    long avgLoad;

    // bandwidth (docs/kernel/sched-fair.md section 1.2)
    boolean runtimeEnabled;
    long runtimeRemaining;
    boolean throttled;
    long throttledClock = -1;
    /** Task-based throttling (6.18): user tasks taken off until the queue is unthrottled. */
    final java.util.List<SimTask> limbo = new java.util.ArrayList<>();

    CfsRq(TaskGroup tg, int cpu, Comparator<SchedEntity> order) {
        this.tg = tg;
        this.cpu = cpu;
        this.tree = new TreeSet<>(order);
    }

    void addHNrRunning(int delta) {
        hNrRunning += delta;
        if (rd != null) {
            rd.nrRunningChanged(cpu);
        }
    }

    void addLoad(long delta) {
        load += delta;
        if (rd != null) {
            rd.loadChanged(cpu);
        }
    }

    /** True when this queue or any ancestor's queue on this CPU is throttled. */
    boolean throttledHierarchy() {
        for (TaskGroup g = tg; g != null; g = g.parent) {
            if (g.cfsRq[cpu].throttled) {
                return true;
            }
        }
        return false;
    }

    /** Puts a runnable entity in the tree (not for curr). */
    void insert(SchedEntity se) {
        tree.add(se);
        byVruntime.add(se);
        avgVruntimeSum += (se.vruntime - minVruntime) * se.weight;
        avgLoad += se.weight;
    }

    /** Takes an entity out of the tree (to run it, or because it leaves the queue). */
    void remove(SchedEntity se) {
        if (tree.remove(se)) {
            byVruntime.remove(se);
            avgVruntimeSum -= (se.vruntime - minVruntime) * se.weight;
            avgLoad -= se.weight;
        }
    }

    /**
     * update_min_vruntime: never moves backwards; follows the smaller of curr and the leftmost by
     * vruntime. The EEVDF sums are kept relative to it.
     */
    void updateMinVruntime() {
        SchedEntity left = byVruntime.isEmpty() ? null : byVruntime.first();
        long v = minVruntime;
        if (curr != null && curr.onRq) {
            v = curr.vruntime;
        }
        if (left != null) {
            v = (curr != null && curr.onRq) ? Math.min(v, left.vruntime) : left.vruntime;
        }
        if (curr == null && left == null) {
            return;
        }
        long nv = Math.max(minVruntime, v);
        if (nv != minVruntime) {
            avgVruntimeSum -= avgLoad * (nv - minVruntime);
            minVruntime = nv;
        }
    }

    /** avg_vruntime: the weighted mean vruntime V of queued entities and curr. */
    long avgVruntime() {
        long sum = avgVruntimeSum;
        long w = avgLoad;
        if (curr != null && curr.onRq) {
            sum += (curr.vruntime - minVruntime) * curr.weight;
            w += curr.weight;
        }
        if (w > 0) {
            // round towards -inf, as the kernel's avg_vruntime does for negative sums
            if (sum < 0) {
                sum -= w - 1;
            }
            sum /= w;
        }
        return minVruntime + sum;
    }

    /** vruntime_eligible: lag >= 0, i.e. V >= v, evaluated without division. */
    boolean eligible(SchedEntity se) {
        long sum = avgVruntimeSum;
        long w = avgLoad;
        if (curr != null && curr.onRq) {
            sum += (curr.vruntime - minVruntime) * curr.weight;
            w += curr.weight;
        }
        return sum >= (se.vruntime - minVruntime) * w;
    }

    @Override
    public String toString() {
        return "cfs_rq " + tg.path + "@" + cpu;
    }
}
