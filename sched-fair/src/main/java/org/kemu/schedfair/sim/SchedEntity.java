package org.kemu.schedfair.sim;

/**
 * A scheduling entity ({@code struct sched_entity}): a task, or a task group's representative on
 * one CPU. Both pick rules use the same fields; a group entity has its own run queue below it.
 */
abstract class SchedEntity {
    /** Deterministic tie-breaker: task ids are positive, group entities negative. */
    final long key;
    long weight;
    long vruntime;
    long deadline;
    long vlag;
    long slice;
    boolean onRq;
    long sumExec;
    long sliceStartExec;
    /** The run queue this entity is (or would be) queued on. */
    CfsRq cfsRq;

    SchedEntity(long key) {
        this.key = key;
    }

    /** The group's own run queue for a group entity; null for a task. */
    abstract CfsRq myQ();

    /** The group entity one level up (null when this entity sits in a CPU's root queue). */
    SchedEntity parentEntity() {
        return cfsRq.tg.isRoot() ? null : cfsRq.tg.se[cfsRq.cpu];
    }
}
