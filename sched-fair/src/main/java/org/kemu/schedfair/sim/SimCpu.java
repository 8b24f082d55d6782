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
    /** The idle loop: the cpuidle state this CPU is in while it has nothing to run. */
    final CpuIdleLoop idle;

    SimCpu(int id, int node, CpuIdleLoop idle) {
        this.id = id;
        this.node = node;
        this.idle = idle;
    }
}
