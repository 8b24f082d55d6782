package org.kemu.schedfair.sim;

import java.util.Comparator;

/** The swappable part of the fair class: how entities are placed, picked and preempted. */
interface PickRule {
    /** Tree order of a run queue. */
    Comparator<SchedEntity> order();

    /** Sets vruntime (and deadline) of an entity about to be enqueued. */
    void place(CfsRq rq, SchedEntity se, boolean wakeup, boolean initial);

    /** An entity leaves the queue; {@code sleep} when it blocks, else it migrates or is requeued. */
    void onDequeue(CfsRq rq, SchedEntity se, boolean sleep);

    /**
     * migrate_task_rq_fair: {@code se} moves from queue {@code from} to {@code to} (another CPU's,
     * or another group's) while runnable, before it is enqueued there.
     */
    void migrate(SchedEntity se, CfsRq from, CfsRq to);

    /** Best queued entity (curr is already back in the tree or gone); null when empty. */
    SchedEntity pick(CfsRq rq);

    /** Called when {@code se} becomes curr. */
    void setNext(CfsRq rq, SchedEntity se);

    /** Advances curr's virtual time by {@code delta} ns of execution. */
    void updateCurr(CfsRq rq, SchedEntity curr, long delta);

    /** Real ns of further execution after which this level wants to reschedule; MAX for never. */
    long reschedInNs(CfsRq rq, SchedEntity curr);

    /** True when {@code se}, just enqueued, should preempt {@code curr} at this level. */
    boolean wakeupPreempt(CfsRq rq, SchedEntity curr, SchedEntity se);

    /** Changes the weight of a queued or running entity the way the rule keeps its place. */
    default void reweight(CfsRq rq, SchedEntity se, long newWeight) {
        // reweight_entity: off the tree while the key changes, load adjusted if queued
        boolean queued = rq.tree.contains(se);
        if (queued) {
            rq.remove(se);
        }
        if (se.onRq) {
            rescale(rq, se, newWeight);
            rq.addLoad(newWeight - se.weight);
        }
        se.weight = newWeight;
        if (queued) {
            rq.insert(se);
        }
    }

    /** What the rule keeps of a queued entity whose weight changes, before {@code se.weight} is updated. */
    default void rescale(CfsRq rq, SchedEntity se, long newWeight) {
    }

    /** calc_delta_fair: {@code delta} scaled by NICE_0_LOAD / weight. */
    static long calcDeltaFair(long delta, long weight) {
        if (weight == org.kemu.schedfair.Nice.NICE_0_LOAD) {
            return delta;
        }
        if (Math.abs(delta) < (Long.MAX_VALUE >> 11)) {
            return delta * org.kemu.schedfair.Nice.NICE_0_LOAD / weight;
        }
        return (long) ((double) delta * org.kemu.schedfair.Nice.NICE_0_LOAD / weight);
    }

    /** The inverse: virtual ns to real ns of an entity of {@code weight}, rounded up. */
    static long realNs(long vdelta, long weight) {
        if (vdelta <= 0) {
            return 0;
        }
        if (weight == org.kemu.schedfair.Nice.NICE_0_LOAD) {
            return vdelta;
        }
        if (vdelta < (Long.MAX_VALUE >> 20)) {
            return (vdelta * weight + org.kemu.schedfair.Nice.NICE_0_LOAD - 1) / org.kemu.schedfair.Nice.NICE_0_LOAD;
        }
        return (long) Math.ceil((double) vdelta * weight / org.kemu.schedfair.Nice.NICE_0_LOAD);
    }
}
