package org.kemu.schedfair.sim;

/** One emulated CPU: its run queue, its current task and the time of its next event. */
final class SimCpu {
    final int id;
    final int node;
    SimTask curr;
    boolean online = true;
    /** Set by a wake-up that should preempt curr at its next preemption point. */
    boolean reschedPending;
    long busyNs;
    long contextSwitches;

    SimCpu(int id, int node) {
        this.id = id;
        this.node = node;
    }
}
