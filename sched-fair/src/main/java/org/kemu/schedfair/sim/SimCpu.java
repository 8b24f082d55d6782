package org.kemu.schedfair.sim;

/** One emulated CPU: its run queue, its current task and the time of its next event. */
final class SimCpu {
    final int id;
    final int node;
    final FairRunQueue rq;
    SimTask curr;
    boolean online = true;
    /** Set by a wake-up that should preempt curr at its next preemption point. */
    boolean reschedPending;
    long busyNs;
    long contextSwitches;

    SimCpu(int id, int node, FairRunQueue rq) {
        this.id = id;
        this.node = node;
        this.rq = rq;
    }

    /** Tasks on this CPU: the current one plus the queued ones. */
    int nrRunning() {
        return rq.nrQueued() + (curr != null ? 1 : 0);
    }
}
